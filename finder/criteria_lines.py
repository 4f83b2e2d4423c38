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

_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# CommonMark lets any ASCII punctuation be backslash-escaped; the v2 API escapes freely.
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def clean_registry_text(text: str) -> str:
    """Undo the API v2 markdown escapes and normalise line ends and odd spaces.

    Indentation is kept (tabs become spaces), trailing spaces are dropped.
    """
    if not text:
        return ""
    text = _NEWLINES.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _CONTROLS.sub(" ", text)
    text = _MARKDOWN_ESCAPE.sub(r"\1", text)
    return "\n".join(line.expandtabs(4).rstrip() for line in text.split("\n"))


# --- markers -----------------------------------------------------------------------------

_BULLET = re.compile(
    r"(?:([-*•·‣◦○●▪▫■□–—➢►✓✔+\uf0a7\uf0b7\uf076\uf0d8\uf0fc])(?=\s|$)"
    r"|([-•–—\uf0b7])(?=[^\W\d_(])"
    r"|(o)(?=\s\s))\s*"
)
_NUMBER = re.compile(r"(?:\((\d{1,3})\)|(\d{1,3})([.)]))(?=\s|$)\s*")
_DOTTED = re.compile(r"(\d{1,2}(?:\.\d{1,2})+)(?:\.(?=\s|$)|(?=\s+[^\W\d_]*[A-Z]))\s*")
_LETTER = re.compile(r"(?:\(([a-zA-Z]{1,5})\)|([a-zA-Z]{1,5})([.)]))(?=\s|$)\s*")
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


def _marker(text: str) -> _Marker | None:
    if m := _BULLET.match(text):
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


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+(?:['’.\-/][^\W_]+)*", text)


def _bare(text: str) -> str:
    """A heading as written: no marker, no surrounding emphasis, no final colon."""
    return text.strip().strip("*_#").strip().rstrip(":").rstrip(" -–").strip().strip("*_")


def _ends_with_colon(text: str) -> bool:
    return text.rstrip("*_ ").endswith(":")


def _kind_of_heading(text: str) -> str | None:
    """The kind a heading says, or None if it says neither or both."""
    kinds = {EXCLUSION if (m.group(1) or m.group(2).lower() == "ex") else INCLUSION
             for m in _KIND_WORD.finditer(text)}  # fmt: skip
    return kinds.pop() if len(kinds) == 1 else None


def _is_boilerplate(text: str) -> bool:
    return len(text) < 400 and bool(_BOILERPLATE.search(text))


def _is_kind_heading(text: str) -> bool:
    """'Inclusion Criteria:', 'Key Exclusion Criteria', 'Exclusion criteria (MS patients)'."""
    bare = _bare(text)
    words = bare.split()
    if not words or len(words) > 12 or bare[-1] in _TERMINAL + ",":
        return False
    m = _KIND_WORD.search(bare)
    if m is None or len(bare[: m.start()].split()) > 3 or _is_boilerplate(bare):
        return False
    return bool(_CRITERIA_WORD.search(bare)) or _ends_with_colon(text) or len(words) <= 2


def _is_general_heading(text: str) -> bool:
    """'Major criteria include:', 'Eligibility criteria:': a heading that says no kind."""
    bare = _bare(text)
    words = bare.split()
    return (
        0 < len(words) <= 6
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

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.lines).split())


def _first_word(text: str) -> str:
    return text.split(maxsplit=1)[0] if text.strip() else ""


def _continues(block: _Block, stripped: str, indent: int, width: int) -> bool:
    """Whether a line right below `block` (no blank line between) continues its text."""
    last = block.lines[-1] if block.lines else ""
    if not last:
        return True  # a bare bullet, its text on the next line
    full = len(block.raw_last) + 1 + len(_first_word(stripped)) > width
    if _ends_with_colon(last):
        return full and stripped[0].islower()
    if stripped[0].islower() or stripped[0] in ",;:)]}%&":
        return True
    if indent == block.text_col and block.text_col > block.indent:
        return True  # the classic textblock wraps to the item's text column
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
        inline = _INLINE_HEADING.fullmatch(content)
        if inline and _is_kind_heading(inline.group(1) + ":"):
            # "Inclusion Criteria: Age 18 to 55": a heading, then the rest as its own block.
            blocks.append(_Block(indent, indent, None, [inline.group(1) + ":"], raw, True))
            content = inline.group(2)
            marker = _marker(content)
            if marker is not None:
                content = content[marker.width :].strip()
        current = _Block(indent, indent + (marker.width if marker else 0), marker, [content], raw)
        current.heading = _is_kind_heading(content)
        blocks.append(current)
        if current.heading:
            current = None
    return blocks


def _is_bare(block: _Block) -> bool:
    return not block.lines or not block.lines[-1]


def _joins(
    current: _Block, stripped: str, indent: int, marker: _Marker | None, width: int
) -> bool:
    if current.heading:
        return False
    if _is_bare(current):
        return marker is None
    full = len(current.raw_last) + 1 + len(_first_word(stripped)) > width
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
    for block in reversed(blocks[-40:]):
        if block is not None and block.marker is not None and block.marker.letter:
            if block.marker.style == marker.style and block.marker.value == marker.value - 1:
                return True
    return False


_INLINE_HEADING = re.compile(r"([^:]{3,80}):\s+(\S.*)")


# --- pass 2: blocks to a tree ----------------------------------------------------------------


@dataclass(eq=False)
class _Node:
    block: _Block
    paragraphs: list[str]
    children: list["_Node"] = field(default_factory=list)
    flattened: bool = False  # its children sit at its own level, e.g. after "for:"

    @property
    def text(self) -> str:
        return " ".join(p for p in self.paragraphs if p)

    @property
    def is_intro(self) -> bool:
        return bool(self.paragraphs) and _ends_with_colon(self.paragraphs[-1])

    @property
    def indent(self) -> int:
        return self.block.indent


@dataclass(eq=False)
class _Level:
    owner: _Node | None  # None for the section itself
    indent: int
    nodes: list[_Node] = field(default_factory=list)
    last: dict = field(default_factory=dict)  # style -> last ordered value
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
        owner.flattened = owner.flattened or flattened
        self.levels.append(level)
        level.add(node)

    def _accepts(self, level: _Level, node: _Node) -> bool:
        return not level.flattened or _is_fragment(node.text)

    def item(self, block: _Block) -> None:
        node = _Node(block, [block.text])
        marker = block.marker = self._resolve_letter(block.marker)
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
            same_level = node.indent <= current.indent and any(
                marker.style in lvl.last for lvl in self.levels if current in lvl.nodes
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
        best = min(
            levels, key=lambda lvl: (abs(lvl.indent - node.indent), -self.levels.index(lvl))
        )
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
                    self._push(owner, _Node(block, [text]))
                else:
                    owner.paragraphs.append(text)
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
            self._push(current, _Node(block, [text]), flattened=True)
            return
        self._pop_to(self.levels[0])
        self.levels[0].add(_Node(block, [text]))

    def _is_sub_heading(self, block: _Block, next_block: _Block | None, current) -> bool:
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
    return _is_boilerplate(text) or bool(_NOTE.match(text))


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
    return bool(_CRITERIA_WORD.search(text)) and bool(_LIST_REFERENCE.search(text))


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


def split_criteria(text: str | None) -> CriteriaText:
    """The criterion lines, headings and notes of a registry eligibility text."""
    if not text or not isinstance(text, str):
        return CriteriaText()
    blocks = _blocks(clean_registry_text(text))
    builder = _TreeBuilder()
    real = [b for b in blocks if b is not None]
    for index, block in enumerate(real):
        if block.heading:
            builder.heading(block.text, says_kind=True)
        elif block.marker is not None:
            if block.text or block.lines:
                builder.item(block)
        else:
            builder.paragraph(block, real[index + 1] if index + 1 < len(real) else None)
    has_kind_headings = builder.seen_kind_heading
    lines: list[CriterionLine] = []
    notes: list[str] = []
    orders = {INCLUSION: 0, EXCLUSION: 0}
    for number, section in enumerate(builder.sections):
        before_headings = has_kind_headings and section.kind is None and number == 0
        pending = list(section.units)
        while pending:
            unit = pending.pop(0)
            text_ = unit.text
            if _is_note(text_) or _is_preamble(unit, before_headings=before_headings):
                notes.append(text_) if any(c.isalnum() for c in text_) else None
                pending[:0] = unit.children
                continue
            items = _descendants(unit, 1, notes)
            if not any(c.isalnum() for c in text_):
                # A bare bullet: its sub-items stand as lines of their own.
                pending[:0] = unit.children
                continue
            kind = section.kind or INCLUSION
            orders[kind] += 1
            lines.append(
                CriterionLine(
                    kind=kind,
                    order=orders[kind],
                    text=_render(text_, items),
                    items=tuple(item for _, item in items),
                    heading=section.heading,
                    kind_inferred=section.kind is None,
                    item_levels=tuple(depth for depth, _ in items),
                )
            )
    return CriteriaText(lines=tuple(lines), notes=tuple(notes), headings=tuple(builder.headings))
