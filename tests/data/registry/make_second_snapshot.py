"""Make the second snapshot of the Portland search, "a month later": DERIVED, not real data.

    python tests/data/registry/make_second_snapshot.py

Reads ``ms-recruiting-portland-page.json`` (real registry content, copied unchanged; see
README.md) and writes ``ms-recruiting-portland-page.month-later.derived.json``: the same
search page as if fetched a month later, with these edits, each one a change the
watchlist must notice (tests/watches):

- NCT06441617 (MS fatigue, VA): stops recruiting (``ACTIVE_NOT_RECRUITING``, and so do
  its sites);
- NCT06408259 (paediatric RRMS): its Portland site, ``Local Institution - 0092``, goes
  from ``NOT_YET_RECRUITING`` to ``RECRUITING``;
- NCT06433752 (ENABLE, ublituximab): a maximum age of 55 (the structured field and a new
  first inclusion line: a new criteria version), and a new recruiting site in Salem,
  Oregon (Portland has a nearer one);
- NCT99990001: a new study, a copy of NCT06433752 as first fetched under an NCT id no
  real study has, its title saying it is derived;
- NCT04047628 (BEAT-MS) and NCT06655896 unchanged, byte for byte.

Every edited study gets a last update posted on ``UPDATED_ON`` (the unedited keep theirs),
so a changed-since fetch from the first snapshot's day returns exactly the edited ones.
The page says what it is in its ``derived`` key (the import ignores it). The output is
committed; run the script again after changing it, never edit the output by hand.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "ms-recruiting-portland-page.json"
OUTPUT = HERE / "ms-recruiting-portland-page.month-later.derived.json"

UPDATED_ON = "2026-09-28"
NEW_NCT_ID = "NCT99990001"
CLOSED = "NCT06441617"
SITE_OPENS = "NCT06408259"
OPENING_SITE = "Local Institution - 0092"
CRITERIA_CHANGE = "NCT06433752"
AGE_LINE = "1. Aged 18 to 55 years."
SALEM_SITE = {
    "city": "Salem",
    "country": "United States",
    "facility": "TG Therapeutics Investigational Trial Site",
    "geoPoint": {"lat": 44.9429, "lon": -123.0351},
    "state": "Oregon",
    "status": "RECRUITING",
    "zip": "97301",
}


def protocol(study: dict) -> dict:
    return study["protocolSection"]


def nct_id(study: dict) -> str:
    return protocol(study)["identificationModule"]["nctId"]


def updated(study: dict) -> dict:
    status = protocol(study)["statusModule"]
    status["lastUpdatePostDateStruct"] = {"date": UPDATED_ON, "type": "ACTUAL"}
    status["lastUpdateSubmitDate"] = UPDATED_ON
    status["statusVerifiedDate"] = UPDATED_ON[:7]
    return study


def stops_recruiting(study: dict) -> dict:
    protocol(study)["statusModule"]["overallStatus"] = "ACTIVE_NOT_RECRUITING"
    for location in protocol(study)["contactsLocationsModule"]["locations"]:
        if location.get("status") == "RECRUITING":
            location["status"] = "ACTIVE_NOT_RECRUITING"
    return updated(study)


def site_opens(study: dict) -> dict:
    opened = 0
    for location in protocol(study)["contactsLocationsModule"]["locations"]:
        if location.get("facility") == OPENING_SITE:
            assert location["status"] == "NOT_YET_RECRUITING", location
            location["status"] = "RECRUITING"
            opened += 1
    assert opened == 1, f"{OPENING_SITE} not found once"
    return updated(study)


def criteria_change(study: dict) -> dict:
    eligibility = protocol(study)["eligibilityModule"]
    eligibility["maximumAge"] = "55 Years"
    text = eligibility["eligibilityCriteria"]
    head = "Inclusion Criteria:\n\n"
    assert text.startswith(head + "1. "), text[:60]
    # The new age line comes first; the lines after it are renumbered as the registry would.
    lines = text[len(head) :].split("\n\nExclusion Criteria:")[0].split("\n")
    renumbered = [f"{n}.{line.split('.', 1)[1]}" for n, line in enumerate(lines, start=2)]
    eligibility["eligibilityCriteria"] = (
        head + "\n".join([AGE_LINE, *renumbered]) + text[text.index("\n\nExclusion Criteria:") :]
    )
    protocol(study)["contactsLocationsModule"]["locations"].append(dict(SALEM_SITE))
    return updated(study)


def new_study(original: dict) -> dict:
    study = copy.deepcopy(original)
    identification = protocol(study)["identificationModule"]
    identification["nctId"] = NEW_NCT_ID
    identification["acronym"] = ""
    identification["briefTitle"] += " (derived test record, not a real study)"
    identification["orgStudyIdInfo"] = {"id": "DERIVED-1"}
    status = protocol(study)["statusModule"]
    status["studyFirstPostDateStruct"] = {"date": UPDATED_ON, "type": "ACTUAL"}
    return updated(study)


EDITS = {CLOSED: stops_recruiting, SITE_OPENS: site_opens, CRITERIA_CHANGE: criteria_change}


def second_snapshot(first: dict) -> dict:
    studies = []
    for study in first["studies"]:
        edit = EDITS.get(nct_id(study))
        studies.append(edit(copy.deepcopy(study)) if edit else study)
    original = next(s for s in first["studies"] if nct_id(s) == CRITERIA_CHANGE)
    studies.append(new_study(original))
    return {
        "derived": (
            "NOT real registry data: derived by tests/data/registry/make_second_snapshot.py "
            "from ms-recruiting-portland-page.json, as if fetched a month later (see the "
            "script for every edit)"
        ),
        "studies": studies,
        "totalCount": len(studies),
    }


def main() -> None:
    first = json.loads(SOURCE.read_text(encoding="utf-8"))
    page = second_snapshot(first)
    OUTPUT.write_text(json.dumps(page, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT.name}: {len(page['studies'])} studies")


if __name__ == "__main__":
    main()
