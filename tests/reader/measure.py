"""Print the reader's figures quoted in docs/reader.md.

Run from the project root (plain Python, no Django needed)::

    python -m tests.reader.measure

- coverage: the share of the 41 registry texts' criterion lines with a proposal (all,
  inclusion, exclusion), by pattern;
- review: the reviewed fixture's counts (lines with a curator's rule, missed ones);
- vignettes: for each batch, the expressible exclusions caught by the right line and the
  false exclusions, with every proposal accepted unread.
"""

from __future__ import annotations

from collections import Counter

from eligibility.reader import read
from finder.criteria_lines import split_criteria
from tests.reader.conftest import registry_records, reviewed
from tests.reader.vignettes import catch_rate, load, screen_all


def coverage() -> None:
    lines, proposed, patterns = Counter(), Counter(), Counter()
    for record in registry_records().values():
        for line in split_criteria(record["text"]).lines:
            lines[line.kind] += 1
            proposal = read(
                line.text,
                kind=line.kind,
                heading=line.heading,
                items=line.items,
                conditions=record["conditions"],
            ).proposal
            if proposal:
                proposed[line.kind] += 1
                patterns[proposal.pattern] += 1
    total, shown = sum(lines.values()), sum(proposed.values())
    print(f"registry lines with a proposal: {shown} of {total} ({shown / total:.0%})")
    for kind in ("inclusion", "exclusion"):
        print(f"  {kind}: {proposed[kind]} of {lines[kind]} ({proposed[kind] / lines[kind]:.0%})")
    print("by pattern:")
    for pattern, count in patterns.most_common():
        print(f"  {pattern}: {count}")


def review() -> None:
    entries = reviewed()["lines"]
    with_rule = [e for e in entries if e["rule"] is not None]
    missed = [e for e in entries if e.get("missed")]
    print(
        f"reviewed lines: {len(entries)}, with a curator's rule: {len(with_rule)}, "
        f"of which the reader misses: {len(missed)}"
    )


def vignettes() -> None:
    data = load()
    for batch in ("development", "held_out"):
        trials = [t for t in data["trials"] if t["batch"] == batch]
        screened = screen_all({**data, "trials": trials})
        caught, expressible = catch_rate(screened)
        false = sum(len(s.false_exclusions) for s in screened)
        print(
            f"vignettes ({batch}): {len(trials)} trials, {len(screened)} patients, "
            f"caught {caught} of {expressible} expressible exclusions "
            f"({caught / expressible:.0%}), false exclusions {false}"
        )


if __name__ == "__main__":
    coverage()
    review()
    vignettes()
