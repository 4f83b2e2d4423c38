"""Every string the pages mark for translation has its Spanish: the catalogue
(``locale/es/LC_MESSAGES/django.po``) is complete, its placeholders agree with the
English, the committed ``.mo`` is that catalogue compiled, and ``makemessages`` run over
a copy of the code finds nothing the catalogue lacks.

These use GNU gettext (``msgfmt``, ``msgattrib``), which ``makemessages`` and
``compilemessages`` need anyway.
"""

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
#: What the documented command ignores, and what is never source.
NOT_SOURCE = (".venv", ".git", "bench", "artifacts", "__pycache__", "*.sqlite3", "*.pyc")


@pytest.fixture(scope="module", autouse=True)
def _gettext_installed():
    if shutil.which("msgfmt") is None or shutil.which("msgattrib") is None:
        pytest.fail("GNU gettext (msgfmt, msgattrib) is needed to check the translations")


def gettext_tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, check=False)


def open_entries(po: Path) -> list[str]:
    """The English of every untranslated or fuzzy entry of ``po``."""
    untranslated = gettext_tool("msgattrib", "--untranslated", "--no-obsolete", str(po))
    fuzzy = gettext_tool("msgattrib", "--only-fuzzy", "--no-obsolete", str(po))
    assert untranslated.returncode == 0 and fuzzy.returncode == 0, untranslated.stderr
    return [
        english
        for output in (untranslated.stdout, fuzzy.stdout)
        for block in output.split("\n\n")
        if (english := _msgid(block))
    ]


def _msgid(block: str) -> str:
    """The msgid of one printed entry, its quoted lines joined ('' for the header)."""
    lines, inside = [], False
    for line in block.splitlines():
        if line.startswith("msgid "):
            inside, line = True, line[len("msgid ") :]
        elif not line.startswith('"'):
            inside = False
        if inside:
            lines.append(line.strip('"'))
    return "".join(lines)


def test_every_entry_of_the_catalogue_is_translated_and_none_is_fuzzy():
    assert open_entries(CATALOGUE) == []


def test_the_placeholders_of_every_translation_agree_with_the_english():
    checked = gettext_tool("msgfmt", "--check", "--statistics", "-o", os.devnull, str(CATALOGUE))
    assert checked.returncode == 0, checked.stderr
    assert "fuzzy" not in checked.stderr and "untranslated" not in checked.stderr


def test_the_committed_mo_is_the_catalogue_compiled(tmp_path):
    fresh = tmp_path / "django.mo"
    compiled = gettext_tool("msgfmt", "--check", "-o", str(fresh), str(CATALOGUE))
    assert compiled.returncode == 0, compiled.stderr
    with fresh.open("rb") as new, COMPILED.open("rb") as committed:
        expected = gettext.GNUTranslations(new)._catalog
        actual = gettext.GNUTranslations(committed)._catalog
    stale = sorted(str(key) for key in expected.keys() ^ actual.keys())
    stale += sorted(str(k) for k in expected.keys() & actual.keys() if expected[k] != actual[k])
    assert stale == [], "run compilemessages -l es --ignore=.venv"


@pytest.mark.slow
def test_makemessages_finds_no_string_missing_from_the_catalogue(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    made = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "es",
            "--ignore=.venv",
            "--ignore=bench",
            "--no-obsolete",
        ],
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    regenerated = source / CATALOGUE.relative_to(ROOT)
    assert open_entries(regenerated) == [], (
        "strings without a Spanish translation: run makemessages -l es --ignore=.venv "
        "--ignore=bench --no-obsolete, translate them, then compilemessages"
    )
