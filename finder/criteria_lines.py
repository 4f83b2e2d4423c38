"""Split a registry's free-text eligibility criteria into criterion lines.

ClinicalTrials.gov texts come in two shapes: the classic XML textblock (wrapped at about
99 columns, items indented under their heading, a blank line between items) and the API
v2 markdown (one item per line, `*` bullets, markdown escapes such as `\\-`, `1\\.`,
`\\[HBV\\]`, irregular indentation). Both are read the way a person reads them:

- a heading ("Inclusion Criteria:", "Key Exclusion Criteria", "Exclusion criteria (MS
  patients):") starts a section of that kind; a short label ("Prior/Concomitant Therapy:",
  "Persons with MS:") starts a sub-section of the same kind;
- each bullet or numbered item, or each paragraph in a text without bullets, is one
  criterion; wrapped lines are joined;
- an item ending in ":" keeps the items below it as its sub-items (one criterion, never
  one per alternative); the nesting is read from the marker style, its numbering and the
  indentation together, since v2 texts often lose the indentation;
- boilerplate ("Other protocol-defined criteria may apply"), "NOTE: ..." paragraphs and
  preamble sentences ("Candidates will be excluded if any of the following exclusion
  criteria exist:") are kept as notes.

This is the one place where registry text becomes lines: later readers must not split
again. Standard library only; it never raises, and every word of the input ends up in a
line, a heading or a note.
"""

import re
from collections import deque
from dataclasses import dataclass, field

INCLUSION = "inclusion"
EXCLUSION = "exclusion"

# Deeper nesting than this is read as siblings at the deepest level: no registry text
# nests further, and it bounds the work on hostile input.
_MAX_DEPTH = 8


@dataclass(frozen=True)
class CriterionLine:
    kind: str
    order: int
    text: str
    items: tuple[str, ...] = ()
    heading: str = ""
    kind_inferred: bool = False
    # Nesting depth of each of `items` (1 = directly under the introducing line).
    item_levels: tuple[int, ...] = ()


@dataclass(frozen=True)
class CriteriaText:
    lines: tuple[CriterionLine, ...] = ()
    notes: tuple[str, ...] = ()
    # Every heading and sub-heading in document order, including those of empty sections.
    headings: tuple[str, ...] = ()

    def of_kind(self, kind: str) -> tuple[CriterionLine, ...]:
        return tuple(line for line in self.lines if line.kind == kind)


# --- cleaning ----------------------------------------------------------------------------

# One pass of str.translate: line separators to "\n", odd spaces and control characters to
# " ", invisible ones (zero-width, BOM, soft hyphen) dropped. "\r\n" and "\r" come first.
_TRANSLATION = {
    **dict.fromkeys((0x0B, 0x0C, 0x85, 0x2028, 0x2029), "\n"),
    **dict.fromkeys((*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F), " "),
    **dict.fromkeys((0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000), " "),
    **dict.fromkeys((0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0xAD)),
}
_ODD_CHARACTER = re.compile("[" + "".join(map(chr, _TRANSLATION)) + "]")
# CommonMark lets any ASCII punctuation be backslash-escaped; the v2 API escapes freely.
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def clean_registry_text(text: str) -> str:
    """Undo the API v2 markdown escapes and normalise line ends and odd spaces.

    Indentation is kept (tabs become spaces), trailing spaces are dropped.
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _ODD_CHARACTER.search(text):  # translate() is slow; most texts need none of it
        text = text.translate(_TRANSLATION)
    if "\\" in text:
        text = _MARKDOWN_ESCAPE.sub(r"\1", text)
    if "\t" in text:
        return "\n".join(line.expandtabs(4).rstrip() for line in text.split("\n"))
    return "\n".join(line.rstrip() for line in text.split("\n"))


# --- markers -----------------------------------------------------------------------------

_BULLET = re.compile(
    r"(?:([-*•·‣◦○●▪▫■□–—➢►✓✔+\uf0a7\uf0b7\uf076\uf0d8\uf0fc])(?=\s|$)"
    r"|([-•–—\uf0b7])(?=[^\W\d_(])"
    r"|(o)(?=\s\s))\s*"
)
_NUMBER = re.compile(r"(?:\((\d{1,3})\)|(\d{1,3})([.)]))(?=\s|$)\s*")
# "1.1." or "2.3 Text", not "1.5 times the upper limit" wrapped to a line start.
_DOTTED = re.compile(r"(\d{1,2}(?:\.\d{1,2})+)(?:\.(?=\s|$)|(?=\s+[A-Z]))\s*")
_LETTER = re.compile(r"(?:\(([a-zA-Z]{1,5})\)|([a-zA-Z]{1,5})([.)]))(?=\s|$)\s*")
_LETTER_END = re.compile(r"^\S{1,6}[.)](?:\s|$)")
_ROMAN = re.compile(r"(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}


def _roman_value(token: str) -> int | None:
    lower = token.lower()
    if token not in (lower, token.upper()) or not _ROMAN.match(lower):
        return None
    total = 0
    for here, after in zip(lower, lower[1:] + " ", strict=True):
        value = _ROMAN_VALUES[here]
        total += -value if _ROMAN_VALUES.get(after, 0) > value else value
    return total


@dataclass
class _Marker:
    style: tuple
    value: int | None
    width: int
    letter: str = ""  # a single-letter marker, which could be a letter or a roman numeral


def _ordered_marker(text: str) -> _Marker | None:
    first = text[:1]
    if not (first.isdigit() or first == "(" or (first.isalpha() and _LETTER_END.search(text))):
        return None
    if m := _NUMBER.match(text):
        if m.group(1):
            return _Marker(("number", "()"), int(m.group(1)), m.end())
        return _Marker(("number", m.group(3)), int(m.group(2)), m.end())
    if m := _DOTTED.match(text):
        parts = m.group(1).split(".")
        return _Marker(("dotted", len(parts)), int(parts[-1]), m.end())
    if m := _LETTER.match(text):
        token = m.group(1) or m.group(2)
        delimiter = "()" if m.group(1) else m.group(3)
        case = "lower" if token.islower() else "upper"
        if len(token) == 1:
            return _Marker(
                ("alpha", case, delimiter), ord(token.lower()) - 96, m.end(), letter=token
            )
        roman = _roman_value(token)
        if roman is not None:
            return _Marker(("roman", case, delimiter), roman, m.end())
    return None


_BULLET_CHARACTERS = frozenset("-*•·‣◦○●▪▫■□–—➢►✓✔+o\uf0a7\uf0b7\uf076\uf0d8\uf0fc")


def _marker(text: str) -> _Marker | None:
    if text[:1] in _BULLET_CHARACTERS and (m := _BULLET.match(text)):
        char = m.group(1) or m.group(2) or m.group(3)
        inner = _ordered_marker(text[m.end() :])
        if inner is not None:  # "* 1) Males ...", "- 1. Diagnosis ...": the number counts
            inner.width += m.end()
            return inner
        return _Marker(("bullet", char), None, m.end())
    return _ordered_marker(text)


# --- reading the words -------------------------------------------------------------------

_TERMINAL = ".;!?"
_KIND_WORD = re.compile(r"\b(non[- ]?)?(in|ex)clusion(s|ary)?\b", re.IGNORECASE)
_CRITERIA_WORD = re.compile(r"criteri|eligib", re.IGNORECASE)
_BOILERPLATE = re.compile(
    r"\b(other|additional|further|more|specific)\b[^.]{0,60}\bcriteri\w*\b[^.]{0,40}"
    r"\bappl(y|ies|ied)\b"
    r"|\bprotocol[- ]?(defined|specified)\b[^.]{0,40}\bcriteri"
    r"|\bnot intended to (contain|include|be) (all|an exhaustive|a complete)"
    r"|\bcontact\b[^.]{0,60}\bfor (more|further|additional) (information|details)",
    re.IGNORECASE,
)
_NOTE = re.compile(r"(note|nb|n\.b\.|please note)\s*[:\-]", re.IGNORECASE)
# Words that make a line ending in ":" read as alternatives to choose from.
_CHOICE = (
    r"\b(one|1|two|2|either|both)\s+(of|or)\b|\beither\b|\bat least\b|\bor more\b"
    r"|\bone\b[^:]{0,20}\bfollowing\b"
)
_ALTERNATIVES = re.compile(_CHOICE + r"|\bany\s+(one\s+)?of\b", re.IGNORECASE)
# "any of the following" under a preamble means each item on its own, not a choice.
_STRICT_ALTERNATIVES = re.compile(_CHOICE, re.IGNORECASE)
_PREAMBLE = re.compile(r"criteri|eligib|exclu|inclu|enrol|particip|all of the", re.IGNORECASE)
_LIST_REFERENCE = re.compile(r"\b(following|below|listed|these)\b", re.IGNORECASE)
_POPULATION = re.compile(
    r"(persons?|people|patients?|participants?|subjects?|individuals?|those|healthy|controls?"
    r"|volunteers?|women|men|males?|females?|children|adults?|cohort|group|arm|part)\b",
    re.IGNORECASE,
)
_NOT_A_LABEL = {
    "following", "either", "one", "any", "all", "both", "least", "must", "should", "will",
    "may", "can", "is", "are", "was", "were", "has", "have", "had", "be", "been", "include",
    "includes", "including", "such", "defined", "below", "above", "if", "not", "no", "than",
    "meet", "meets", "fulfil", "fulfill",
}  # fmt: skip
_TRAILING_LINK = {
    "of", "for", "with", "without", "to", "in", "into", "by", "as", "and", "or", "from", "on",
    "at", "the", "a", "an", "than", "including", "following", "either", "like", "via", "per",
    "within", "after", "before", "during", "since", "until", "if", "that", "which", "who",
    "whom", "whose", "such",
}  # fmt: skip


def _bare(text: str) -> str:
    """A heading as written: no marker, no surrounding emphasis, no final colon."""
    return text.strip().strip("*_#").strip().rstrip(":").rstrip(" -–").strip().strip("*_")


def _ends_with_colon(text: str) -> bool:
    return text.rstrip("*_ ").endswith(":")


def _kind_of_heading(text: str) -> str | None:
    """The kind a heading says, or None if it says neither or both."""
    kinds = set()
    for m in _KIND_WORD.finditer(text):
        # "Non-inclusion criteria" (a translation habit) are exclusion criteria.
        kinds.add(EXCLUSION if m.group(1) or m.group(2).lower() == "ex" else INCLUSION)
    return kinds.pop() if len(kinds) == 1 else None


def _is_boilerplate(text: str) -> bool:
    if len(text) >= 400:
        return False
    lowered = text.lower()
    if "criteri" not in lowered and "intended" not in lowered and "contact" not in lowered:
        return False
    return bool(_BOILERPLATE.search(text))


def _is_kind_heading(text: str, *, bulleted: bool = False) -> bool:
    """'Inclusion Criteria:', 'Key Exclusion Criteria', 'Exclusion criteria (MS patients)'.

    A bulleted one needs its colon: "* Exclusion criteria of the parent study" is an item.
    """
    if "lusion" not in text.lower() or (bulleted and not _ends_with_colon(text)):
        return False
    bare = _bare(text)
    words = bare.split()
    if not words or len(words) > 12 or bare[-1] in _TERMINAL + ",":
        return False
    m = _KIND_WORD.search(bare)
    if m is None or len(bare[: m.start()].split()) > 3 or _is_boilerplate(bare):
        return False
    return bool(_CRITERIA_WORD.search(bare)) or _ends_with_colon(text) or len(words) <= 2


_GENERAL_HEADING = re.compile(
    r"((key|main|major|general|other|additional|study)\s+)?(eligibility\s+)?criteria",
    re.IGNORECASE,
)


def _is_general_heading(text: str) -> bool:
    """'Major criteria include:', 'Eligibility criteria': a heading that says no kind."""
    bare = _bare(text)
    words = bare.split()
    return (
        0 < len(words) <= 6
        and (_ends_with_colon(text) or bool(_GENERAL_HEADING.fullmatch(bare)))
        and bool(_CRITERIA_WORD.search(bare))
        and bare[-1] not in _TERMINAL + ","
        and not _ALTERNATIVES.search(bare)
        and "following" not in bare.lower()
        and not _is_boilerplate(bare)
    )


def _is_label(text: str, *, colon_needed: bool = True) -> bool:
    """'Prior/Concomitant Therapy:', 'Medical Conditions:', 'Persons with MS:'."""
    if colon_needed and not _ends_with_colon(text):
        return False
    bare = _bare(text)
    words = bare.split()
    population = bool(_POPULATION.match(bare))
    if not words or len(words) > (8 if population else 6) or bare[-1] in _TERMINAL + ",:":
        return False
    lowered = [w.lower().strip("()[],") for w in words]
    if _NOT_A_LABEL.intersection(lowered) or _ALTERNATIVES.search(bare):
        return False
    # "History of:" introduces its items; "Persons with:" heads a list of its own.
    return lowered[-1] not in _TRAILING_LINK or (population and len(words) <= 2)


def _is_fragment(text: str) -> bool:
    """An item that reads as a sub-item of the line above, not as a criterion of its own."""
    text = text.strip()
    if not text or text[-1] in _TERMINAL + ":":
        return False
    first = text.split()[0]
    ordinary_capital = first[0].isupper() and (len(first) == 1 or first[1].islower())
    return not ordinary_capital or len(text.split()) <= 3


# --- pass 1: physical lines to blocks ------------------------------------------------------


@dataclass
class _Block:
    indent: int
    text_col: int
    marker: _Marker | None
    lines: list[str]
    raw_last: str
    heading: bool = False
    _text: str | None = None

    @property
    def text(self) -> str:
        # Read only once pass 1 has finished the block; cached, as it is read often.
        if self._text is None:
            self._text = " ".join(" ".join(self.lines).split())
        return self._text


def _first_word(text: str) -> str:
    return text.split(maxsplit=1)[0] if text.strip() else ""


# Nobody wraps text narrower than this; below it "the next word would not fit" means nothing.
_MIN_WRAP_WIDTH = 60


def _is_full(block: _Block, stripped: str, width: int) -> bool:
    """Whether the line above was wrapped: the next line's first word would not have fit."""
    return width >= _MIN_WRAP_WIDTH and len(block.raw_last) + 1 + len(_first_word(stripped)) > width


def _continues(block: _Block, stripped: str, indent: int, width: int) -> bool:
    """Whether a line right below `block` (no blank line between) continues its text."""
    last = block.lines[-1] if block.lines else ""
    if not last:
        return True  # a bare bullet, its text on the next line
    if indent == block.text_col > block.indent:
        return True  # the classic textblock wraps to the item's text column
    full = _is_full(block, stripped, width)
    if _ends_with_colon(last):
        return full and stripped[0].islower()
    if stripped[0].islower() or stripped[0] in ",;:)]}%&":
        return True
    if last[-1] not in _TERMINAL:
        return full or len(last) >= 60 or not stripped[0].isalpha()
    return full


def _blocks(text: str) -> list[_Block | None]:
    """Blocks of text in document order; None stands for a blank line."""
    raw_lines = text.split("\n")
    width = max((len(line) for line in raw_lines), default=0)
    blocks: list[_Block | None] = []
    current: _Block | None = None
    for raw in raw_lines:
        stripped = raw.strip()
        if not stripped:
            if current is not None:
                blocks.append(None)
            current = None
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        marker = _marker(stripped)
        if current is not None and _joins(current, stripped, indent, marker, width):
            if _is_bare(current):
                current.lines = [stripped]
            else:
                current.lines.append(stripped)
            current.raw_last = raw
            continue
        content = stripped[marker.width :].strip() if marker else stripped
        if marker and marker.letter and not _letter_is_marker(marker, blocks, current):
            marker, content = None, stripped
        inline = _INLINE_HEADING.fullmatch(content) if ":" in content else None
        if inline and _is_kind_heading(inline.group(1) + ":"):
            # "Inclusion Criteria: Age 18 to 55": a heading, then the rest as its own block.
            blocks.append(_Block(indent, indent, None, [inline.group(1) + ":"], raw, True))
            content = inline.group(2)
            marker = _marker(content)
            if marker is not None:
                content = content[marker.width :].strip()
        current = _Block(indent, indent + (marker.width if marker else 0), marker, [content], raw)
        current.heading = _is_kind_heading(content, bulleted=marker is not None)
        blocks.append(current)
        if current.heading:
            current = None
    return blocks


def _is_bare(block: _Block) -> bool:
    return not block.lines or not block.lines[-1]


def _joins(current: _Block, stripped: str, indent: int, marker: _Marker | None, width: int) -> bool:
    """Whether a line right below `current` belongs to it rather than starting a block."""
    if current.heading:
        return False
    if _is_bare(current):
        return marker is None and not _is_kind_heading(stripped)
    full = _is_full(current, stripped, width)
    if marker is not None:
        # A marker-looking word that the classic textblock wrapped to the text column.
        return (
            full
            and indent == current.text_col > current.indent
            and not _ends_with_colon(current.lines[-1])
        )
    if _is_kind_heading(stripped):
        return full and current.lines[-1][-1] not in _TERMINAL + ":"
    return _continues(current, stripped, indent, width)


def _letter_is_marker(marker: _Marker, blocks: list, current: _Block | None) -> bool:
    """'E. coli' wrapped to a line start is a word; 'b. Coronary artery disease' an item."""
    if marker.value == 1 or marker.letter.lower() in "ivx" or current is None:
        return True
    last = current.lines[-1] if current.lines else ""
    if not last or last[-1] in _TERMINAL + ":":
        return True
    return any(  # the letter before it, whatever its delimiter: "a." then "b)"
        block is not None
        and block.marker is not None
        and block.marker.style[:2] == marker.style[:2]
        and block.marker.value == marker.value - 1
        for block in blocks[-40:]
    )


_INLINE_HEADING = re.compile(r"([^:]{3,80}):\s+(\S.*)")


# --- pass 1b: enumerations written inline ------------------------------------------------
# The v2 API often keeps sub-items on their parent's line: "including: a. Arrhythmia ...",
# "either: i. Chronic angina, or ii. Heart failure. c. Valve disease ...". Only a run of
# consecutive markers counts (or a first one whose follower is the next block), each after
# ":" or a sentence or list boundary, so "see item c.i. below" or "Section 3.5" never split.

_INLINE_FIRST = re.compile(r":\s+(\((?:1|a|i|A|I)\)|(?:1|a|i|A|I)[.)])\s+(?=\S)")
_INLINE_DEPTH = 3


def _to_roman(value: int) -> str:
    out = ""
    for number, letters in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while value >= number:
            out, value = out + letters, value - number
    return out


def _marker_token(style: tuple, value: int) -> str | None:
    delimiter = style[-1]
    if style[0] == "number":
        token = str(value)
    elif style[0] == "alpha" and 1 <= value <= 26:
        token = chr(96 + value) if style[1] == "lower" else chr(64 + value)
    elif style[0] == "roman" and 1 <= value <= 39:
        token = _to_roman(value) if style[1] == "lower" else _to_roman(value).upper()
    else:
        return None
    return f"({token})" if delimiter == "()" else token + delimiter


def _find_inline(text: str, style: tuple, value: int, start: int) -> re.Match | None:
    token = _marker_token(style, value)
    if token is None or token not in text:
        return None
    pattern = r"(?:[.,;:]|\b(?:and|or))\s+(" + re.escape(token) + r")\s+(?=\S)"
    return re.compile(pattern).search(text, start)


def _styles_after(marker: _Marker) -> list[tuple[tuple, int]]:
    """The (style, value) the next item may have; a lone 'i' may be a letter or roman."""
    following = [(marker.style, marker.value + 1)]
    if marker.letter and _roman_value(marker.letter) is not None:
        _, case, delimiter = marker.style
        roman = ("roman", case, delimiter)
        following.append((roman, _roman_value(marker.letter) + 1))
    return following


def _run(text: str, marker: _Marker, start: int) -> list[tuple[re.Match, _Marker]]:
    """The inline markers that continue `marker`'s numbering in `text`, in order."""
    found: list[tuple[re.Match, _Marker]] = []
    for style, value in _styles_after(marker):
        position = start
        while (m := _find_inline(text, style, value, position)) is not None and len(found) < 50:
            found.append((m, _Marker(style, value, 0)))
            value, position = value + 1, m.end()
        if found:
            break
    return found


def _piece(template: _Block, indent: int, marker: _Marker | None, text: str) -> _Block:
    return _Block(indent, indent, marker, [text], template.raw_last)


def _split_at(
    template: _Block, indent: int, text: str, run: list[tuple[re.Match, _Marker]]
) -> list[_Block]:
    """The blocks that `run`'s markers begin, each up to the next marker."""
    ends = [m.start(1) for m, _ in run[1:]] + [len(text)]
    return [
        _piece(template, indent, marker, text[m.end() : end].strip())
        for (m, marker), end in zip(run, ends, strict=True)
    ]


def _first_inline(text: str) -> tuple[re.Match, _Marker] | None:
    m = _INLINE_FIRST.search(text) if ":" in text else None
    marker = _ordered_marker(m.group(1) + " ") if m else None
    if marker is None:
        return None
    if marker.letter in ("i", "I"):  # first of a list after a colon: roman, not the ninth letter
        _, case, delimiter = marker.style
        marker = _Marker(("roman", case, delimiter), 1, marker.width)
    return m, marker


def _expand(block: _Block, next_marker: _Marker | None) -> list[_Block]:
    """An item, then the siblings it wrote inline ("..., and ii. MRI evidence ...")."""
    text = block.text
    pieces = [block]
    if block.marker is not None and block.marker.value is not None:
        run = _run(text, block.marker, 0)
        if run:
            first = _piece(block, block.indent, block.marker, text[: run[0][0].start(1)].strip())
            pieces = [first, *_split_at(block, block.indent, text, run)]
    out: list[_Block] = []
    for index, piece in enumerate(pieces):
        follower = next_marker if index == len(pieces) - 1 else None
        out.extend(_expand_children(piece, follower, 0))
    return out


def _expand_children(piece: _Block, follower: _Marker | None, depth: int) -> list[_Block]:
    """An item, then the sub-items it wrote inline after a colon ("either: i. ..., or ii. ...").

    A single inline first item counts when the next block carries on its numbering.
    """
    first = _first_inline(piece.text) if depth < _INLINE_DEPTH else None
    if first is None:
        return [piece]
    text = piece.text
    m, marker = first
    run = _run(text, marker, m.end())
    continued = follower is not None and (follower.style, follower.value) in _styles_after(marker)
    if not run and not continued:
        return [piece]
    out = [_piece(piece, piece.indent, piece.marker, text[: m.start(1)].strip())]
    for child in _split_at(piece, piece.indent + 2, text, [(m, marker), *run]):
        out.extend(_expand_children(child, None, depth + 1))
    return out


def _expanded(blocks: list[_Block | None]) -> list[_Block]:
    real = [b for b in blocks if b is not None]
    out: list[_Block] = []
    for index, block in enumerate(real):
        if block.heading:
            out.append(block)
            continue
        following = real[index + 1] if index + 1 < len(real) else None
        next_marker = following.marker if following is not None else None
        out.extend(_expand(block, next_marker))
    return out


# --- pass 2: blocks to a tree ----------------------------------------------------------------


class _Node:
    """An item or paragraph of the tree, with the items under it."""

    __slots__ = ("_paragraphs", "_text", "block", "children", "indent", "is_intro")

    def __init__(self, block: _Block) -> None:
        self.block = block
        self.indent = block.indent
        self.children: list[_Node] = []
        self._paragraphs: list[str] = []
        self._text: str | None = ""
        self.is_intro = False
        self.add_paragraph(block.text)

    def add_paragraph(self, text: str) -> None:
        if text:
            self._paragraphs.append(text)
            self._text = None
            self.is_intro = _ends_with_colon(text)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = " ".join(self._paragraphs)
        return self._text


@dataclass(eq=False)
class _Level:
    owner: _Node | None  # None for the section itself
    indent: int
    nodes: list[_Node] = field(default_factory=list)
    last: dict = field(default_factory=dict)  # style -> last ordered value
    # Its items sit at their owner's own level ("Prior treatment with any of the following:"
    # then "- cladribine"): only fragments of the owner belong to it.
    flattened: bool = False

    def add(self, node: _Node) -> None:
        self.nodes.append(node)
        if self.owner is not None:
            self.owner.children.append(node)
        marker = node.block.marker
        if marker is not None:
            if self.owner is None and not self.last:
                self.indent = node.indent  # the section's list sits where its first item is
            self.last[marker.style] = marker.value


@dataclass(eq=False)
class _Section:
    kind: str | None
    heading: str
    units: list[_Node] = field(default_factory=list)


class _TreeBuilder:
    def __init__(self) -> None:
        self.sections: list[_Section] = [_Section(None, "")]
        self.headings: list[str] = []
        self.kind: str | None = None
        self.levels: list[_Level] = []
        self.seen_kind_heading = False
        self._open_section()

    def _open_section(self) -> None:
        # The section's own level shares its list of units: its items are the section's.
        self.levels = [_Level(None, -1, self.sections[-1].units)]

    def heading(self, text: str, *, says_kind: bool) -> None:
        bare = _bare(text)
        if says_kind:
            self.kind = _kind_of_heading(bare) or self.kind
            self.seen_kind_heading = True
        if bare:
            self.headings.append(bare)
        self.sections.append(_Section(self.kind, bare))
        self._open_section()

    @property
    def current(self) -> _Node | None:
        for level in reversed(self.levels):
            if level.nodes:
                return level.nodes[-1]
        return None

    def _pop_to(self, level: _Level) -> None:
        while self.levels[-1] is not level:
            self.levels.pop()

    def _push(self, owner: _Node, node: _Node, *, flattened: bool = False) -> None:
        if len(self.levels) >= _MAX_DEPTH:
            self.levels[-1].add(node)
            return
        level = _Level(owner, node.indent, flattened=flattened)
        self.levels.append(level)
        level.add(node)

    def _accepts(self, level: _Level, node: _Node) -> bool:
        return not level.flattened or _is_fragment(node.text)

    def item(self, block: _Block) -> None:
        block.marker = self._resolve_letter(block.marker)
        node = _Node(block)
        marker = block.marker
        current = self.current
        # 1. The numbering continues a list that is open (the nearest in indentation).
        if marker.value is not None:
            following = [
                lvl
                for lvl in self.levels
                if lvl.last.get(marker.style, -99) == marker.value - 1 and self._accepts(lvl, node)
            ]
            if following:
                self._place(node, following)
                return
        # 2. A sub-list: under a line ending in ":", or indented deeper.
        if current is not None and self._starts_sublist(current, node):
            # A list restarting at 1 is a sub-list wherever it sits; an unnumbered item at the
            # intro's own level is one only when it reads as a fragment of the intro.
            same_level = (
                marker.value != 1
                and node.indent <= current.indent
                and any(marker.style in lvl.last for lvl in self.levels if current in lvl.nodes)
            )
            if not same_level or _is_fragment(node.text):
                self._push(current, node, flattened=same_level)
                return
        # 3. Same marker style as an open list.
        same_style = [
            lvl for lvl in self.levels if marker.style in lvl.last and self._accepts(lvl, node)
        ]
        if same_style:
            self._place(node, same_style)
            return
        # 4. A new style, not deeper: a sibling at the level its indentation says.
        while len(self.levels) > 1 and self.levels[-1].indent > node.indent:
            self.levels.pop()
        self.levels[-1].add(node)

    def _resolve_letter(self, marker: _Marker) -> _Marker:
        """'i.' is the ninth letter after 'h.', otherwise the roman one; 'v.', 'x.' alike."""
        roman = _roman_value(marker.letter) if marker.letter else None
        if roman is None:
            return marker
        if any(lvl.last.get(marker.style) == marker.value - 1 for lvl in self.levels):
            return marker
        _, case, delimiter = marker.style
        return _Marker(("roman", case, delimiter), roman, marker.width)

    def _starts_sublist(self, current: _Node, node: _Node) -> bool:
        if current.block.marker is None and not current.is_intro:
            return False  # a paragraph that introduces nothing
        if current.is_intro:
            restart = node.block.marker.value == 1
            return node.indent >= current.indent or restart
        return node.indent > current.indent

    def _place(self, node: _Node, levels: list[_Level]) -> None:
        """Into the open list nearest in indentation, the deepest of equals."""
        best = levels[0]
        for level in levels[1:]:  # in depth order: a later one wins a tie
            if abs(level.indent - node.indent) <= abs(best.indent - node.indent):
                best = level
        self._pop_to(best)
        best.add(node)

    def paragraph(self, block: _Block, next_block: _Block | None) -> None:
        text = block.text
        current = self.current
        # Indented under an item: more text of that item (classic textblocks).
        for level in reversed(self.levels):
            owner = level.nodes[-1] if level.nodes else None
            if owner is not None and owner.block.marker is not None and block.indent > owner.indent:
                self._pop_to(level)
                if owner.is_intro or owner.children:
                    self._push(owner, _Node(block))
                else:
                    owner.add_paragraph(text)
                return
        if self._is_sub_heading(block, next_block, current):
            self.heading(text, says_kind=False)
            return
        if (
            current is not None
            and current.is_intro
            and not current.children
            and _is_fragment(text)
            and not _is_note(text)
        ):
            self._push(current, _Node(block), flattened=True)
            return
        self._pop_to(self.levels[0])
        self.levels[0].add(_Node(block))

    def _is_sub_heading(
        self, block: _Block, next_block: _Block | None, current: _Node | None
    ) -> bool:
        """A short label over a list: "Prior/Concomitant Therapy:", "Persons with MS:"."""
        text = block.text
        if _is_general_heading(text) or _is_label(text):
            return True
        open_intro = current is not None and current.is_intro and not current.children
        return (
            next_block is not None
            and next_block.marker is not None
            and not open_intro
            and not any(ch.isdigit() for ch in text)
            and text[:1].isupper()
            and _is_label(text, colon_needed=False)
            and len(text.split()) <= 5
        )


def _is_note(text: str) -> bool:
    return bool(_NOTE.match(text)) or _is_boilerplate(text)


def _is_preamble(node: _Node, *, before_headings: bool) -> bool:
    """A sentence that leads into the list rather than being a criterion of it."""
    text = node.text
    if before_headings and node.block.marker is None:
        return True
    if not node.is_intro or _STRICT_ALTERNATIVES.search(text):
        return False
    if node.block.marker is None:
        if _PREAMBLE.search(text):
            return True
        return not _ALTERNATIVES.search(text) and text.split()[-1].rstrip(":").lower() not in (
            _TRAILING_LINK | {"any"}
        )
    # A bulleted lead-in: "* To be eligible, candidates must meet the following criteria:".
    return (
        node.block.marker.value is None
        and bool(re.search(r"eligib|(in|ex)clusion", text, re.IGNORECASE))
        and bool(_LIST_REFERENCE.search(text))
    )


# --- rendering -------------------------------------------------------------------------------


def _descendants(node: _Node, depth: int, notes: list[str]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for child in node.children:
        text = child.text
        if _is_note(text):
            notes.append(_render(text, _descendants(child, 1, notes)))
            continue
        if any(c.isalnum() for c in text):
            out.append((depth, text))
            out.extend(_descendants(child, depth + 1, notes))
        else:  # a bare bullet: its sub-items take its place
            out.extend(_descendants(child, depth, notes))
    return out


def _render(text: str, items: list[tuple[int, str]]) -> str:
    return "\n".join([text] + ["  " * (depth - 1) + "- " + item for depth, item in items])


def _line(unit: _Node, section: _Section, orders: dict, notes: list[str]) -> CriterionLine:
    items = _descendants(unit, 1, notes)
    kind = section.kind or INCLUSION
    orders[kind] += 1
    return CriterionLine(
        kind=kind,
        order=orders[kind],
        text=_render(unit.text, items),
        items=tuple(item for _, item in items),
        heading=section.heading,
        kind_inferred=section.kind is None,
        item_levels=tuple(depth for depth, _ in items),
    )


def split_criteria(text: str | None) -> CriteriaText:
    """The criterion lines, headings and notes of a registry eligibility text."""
    if not text or not isinstance(text, str):
        return CriteriaText()
    real = _expanded(_blocks(clean_registry_text(text)))
    builder = _TreeBuilder()
    for index, block in enumerate(real):
        if block.heading:
            builder.heading(block.text, says_kind=True)
        elif block.marker is not None:
            builder.item(block)
        else:
            builder.paragraph(block, real[index + 1] if index + 1 < len(real) else None)
    lines: list[CriterionLine] = []
    notes: list[str] = []
    orders = {INCLUSION: 0, EXCLUSION: 0}
    for number, section in enumerate(builder.sections):
        before_headings = builder.seen_kind_heading and section.kind is None and number == 0
        pending = deque(section.units)
        while pending:
            unit = pending.popleft()
            text_ = unit.text
            has_words = any(c.isalnum() for c in text_)
            if has_words and not (
                _is_note(text_) or _is_preamble(unit, before_headings=before_headings)
            ):
                lines.append(_line(unit, section, orders, notes))
                continue
            if has_words:
                notes.append(text_)
            # A note, a lead-in or a bare bullet: the items under it stand on their own.
            pending.extendleft(reversed(unit.children))
    return CriteriaText(lines=tuple(lines), notes=tuple(notes), headings=tuple(builder.headings))
