"""The import map of docs/architecture.md, enforced: an import across a forbidden arrow fails.

Every module of our apps is parsed (not imported) and each import, absolute or relative,
at module level or inside a function, is checked against :data:`ALLOWED`. Migrations
are left out: they name models by string and are frozen history.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Each unit of the house and the units of ours it may import. A unit is an app, or a
#: part of one named here (the engine, the catalog's models). Anything else is forbidden.
ALLOWED: dict[str, set[str]] = {
    # The rules engine is plain Python: no Django, and nothing of ours.
    "eligibility.engine": set(),
    "finder.models": {"finder.conditions"},
    # The condition matcher is plain Python too: the catalog stores its text, the site
    # index and the catalog's search both run its queries.
    "finder.conditions": set(),
    "privacy": set(),
    "notifications": {"config"},
    "partners": {"config"},
    "config": {"eligibility.engine", "sites"},  # the API's answer errors; the gazetteer warm-up
    "sites": {"config", "finder.conditions", "finder.models"},
    # Screenings hold health answers: encrypted with privacy's fields (issue 21).
    "eligibility": {
        "config",
        "eligibility.engine",
        "finder.conditions",
        "finder.models",
        "privacy",
        "sites",
    },
    "finder": {
        "config",
        "eligibility",
        "eligibility.engine",
        "finder.conditions",
        "finder.models",
        "sites",
    },
    "match": {
        "config",
        "eligibility",
        "eligibility.engine",
        "finder",
        "finder.conditions",
        "finder.models",
        "sites",
    },
    "fhir_api": {
        "config",
        "eligibility",
        "eligibility.engine",
        "finder",
        "finder.conditions",
        "finder.models",
        "match",
        "sites",
    },
    "referrals": {
        "config",
        "eligibility",
        "eligibility.engine",
        "finder",
        "finder.conditions",
        "finder.models",
        "notifications",
        "partners",
        "privacy",
        "sites",
    },
    # The watchlist (issue 22): reads the catalog, criteria and sites, evaluates saved
    # answers, queues its e-mails in the outbox; the address and answers are encrypted.
    "watches": {
        "config",
        "eligibility",
        "eligibility.engine",
        "finder",
        "finder.conditions",
        "finder.models",
        "match",
        "notifications",
        "privacy",
        "sites",
    },
}
APPS = {unit.split(".")[0] for unit in ALLOWED}
#: Standard library and third-party packages the engine may use.
ENGINE_MAY_IMPORT = {"numpy"}


def unit_of(module: str) -> str | None:
    """The unit a dotted module name belongs to, or None when it is not ours."""
    for unit in ("eligibility.engine", "finder.models", "finder.conditions"):
        if module == unit or module.startswith(unit + "."):
            return unit
    top = module.split(".")[0]
    return top if top in APPS else None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, as absolute dotted names, with the line number."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # ``from eligibility import engine`` imports the submodule.
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def our_modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def crossings() -> list[tuple[str, str, int, str]]:
    """(source unit, target unit, line, file) for every import between two of our units."""
    out = []
    for path in our_modules():
        source = unit_of(module_name(path))
        for line, module in imported_modules(path):
            target = unit_of(module)
            if target is not None and target != source:
                out.append((source, target, line, str(path.relative_to(ROOT))))
    return out


def test_every_app_of_ours_has_its_arrows_listed():
    on_disk = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert on_disk <= APPS | {"config"}, f"add {sorted(on_disk - APPS)} to ALLOWED"


def test_no_import_crosses_a_forbidden_arrow():
    forbidden = [
        f"{file}:{line}: {source} imports {target}"
        for source, target, line, file in crossings()
        if target not in ALLOWED[source]
    ]
    assert forbidden == []


def test_the_engine_imports_only_the_standard_library_and_numpy():
    import sys

    outside = []
    for path in sorted((ROOT / "eligibility" / "engine").rglob("*.py")):
        for line, module in imported_modules(path):
            top = module.split(".")[0]
            if unit_of(module) == "eligibility.engine" or top == "__future__":
                continue
            if top in sys.stdlib_module_names or top in ENGINE_MAY_IMPORT:
                continue
            outside.append(f"{path.relative_to(ROOT)}:{line}: {module}")
    assert outside == []


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("eligibility.engine", "eligibility"),
        ("eligibility.engine", "finder"),
        ("sites", "eligibility"),
        ("sites", "referrals"),
        ("finder", "referrals"),
        ("eligibility", "referrals"),
        ("eligibility", "match"),
        ("privacy", "referrals"),
        ("notifications", "referrals"),
    ],
)
def test_the_arrows_the_design_forbids_stay_forbidden(source, target):
    assert target not in ALLOWED[source]


def test_the_checker_sees_a_forbidden_import(tmp_path, monkeypatch):
    """The checker itself can fail: a relative import from the engine into the app is caught."""
    engine = tmp_path / "eligibility" / "engine"
    engine.mkdir(parents=True)
    (engine / "leak.py").write_text("from ..models import Criterion\nimport django\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    found = imported_modules(engine / "leak.py")
    assert (1, "eligibility.models") in found
    assert unit_of("eligibility.models") == "eligibility"
    assert unit_of("eligibility.models") not in ALLOWED["eligibility.engine"]


#: The modules that tasks call (services, selectors and importers), by name: a module so
#: named, or any module of a package so named.
CALLED_BY_TASKS = {"services", "selectors", "importing"}


def task_imports(paths) -> list[str]:
    """Each import of a ``tasks`` module by a module tasks call, as ``file:line: module``."""
    return [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in paths
        if CALLED_BY_TASKS & {path.stem, *path.relative_to(ROOT).parent.parts}
        for line, module in imported_modules(path)
        if module.split(".")[-1] == "tasks" or ".tasks." in module
    ]


def test_services_never_import_tasks():
    """Tasks call services, selectors and importers; one that queues work sends a signal
    instead, which the tasks' app connects in ``AppConfig.ready()`` (no circles)."""
    assert task_imports(our_modules()) == []


def test_the_task_check_sees_an_importer_queueing_a_task(tmp_path, monkeypatch):
    """It can fail: finder/importing.py as it was, queueing geocoding itself, is caught."""
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    leaks = {
        "finder/importing.py": "def later():\n    from sites.tasks import geocode_sites\n",
        "finder/services/load.py": "from ..tasks import studies_import\n",
        "sites/selectors.py": "import sites.tasks\n",
        "sites/signals.py": "from .tasks import geocode_sites\n",  # not called by tasks
    }
    for name, text in leaks.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = task_imports(sorted(tmp_path / name for name in leaks))
    assert found == [
        "finder/importing.py:2: sites.tasks",
        "finder/importing.py:2: sites.tasks.geocode_sites",
        "finder/services/load.py:1: finder.tasks",
        "finder/services/load.py:1: finder.tasks.studies_import",
        "sites/selectors.py:1: sites.tasks",
    ]
