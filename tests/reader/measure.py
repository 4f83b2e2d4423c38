"""Print the reader's figures quoted in docs/reader.md.

Run from the project root (coverage and review are plain Python; the vignettes go
through the importer and the eligibility service, on a throwaway test database)::

    DEBUG=1 python -m tests.reader.measure

- coverage: the share of the 41 registry texts' criterion lines with a proposal (all,
  inclusion, exclusion), by pattern;
- review: the reviewed fixture's counts (lines with a curator's rule, missed ones);
- vignettes: for each batch, the expressible exclusions caught by the right line and the
  false exclusions: each text imported with ``import_ctgov``, every proposal accepted
  unread, each patient screened with ``screening_evaluate`` (``tests/reader/vignettes.py``);
  the written vignettes' batches, then the held-out batch of real registered lines
  (``tests/reader/registry_vignettes.json``), then the third written batch
  (``tests/data/reader_vignettes/held_out_3.json``), the fourth and the fifth.
"""

from __future__ import annotations

from collections import Counter

from eligibility.reader import read
from finder.criteria_lines import split_criteria
from tests.reader.conftest import registry_records, reviewed
from tests.reader.vignettes import (
    figures,
    load,
    load_batch,
    load_held_out_3,
    load_registry,
)


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
    """The vignettes through the product, on a test database created and dropped here."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    from tests.reader.vignettes import screened_in_rollback

    databases = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        for data in (
            load(),
            load_registry(),
            load_held_out_3(),
            *(load_batch(f"held_out_{n}") for n in range(4, 8)),
        ):
            for line in figures(screened_in_rollback(data), data):
                print(line)
    finally:
        teardown_databases(databases, verbosity=0)


if __name__ == "__main__":
    coverage()
    review()
    vignettes()
