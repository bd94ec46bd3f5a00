"""Import layering: a lower stage never imports a higher one (docs/architecture.md).

Every ``import`` in ``src/urbanchain`` is parsed with :mod:`ast`, including
the lazy ones inside functions; an import that goes up the stage order fails
unless it is in :data:`ALLOWED`, each with its reason.  A private module
(``graph/_build.py``) may not import its own package facade
(``urbanchain.graph``): facades import their private modules, not the other
way round, so there is no import cycle to trip over.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "urbanchain"

#: Stages from the bottom up; a module may import its own stage and the ones below.
STAGES: tuple[tuple[str, ...], ...] = (
    ("errors", "settings", "_private"),
    ("crs",),
    ("layers",),
    ("io",),
    ("datasets", "readiness"),  # bundled data; readiness is a sourced dataset with its checks
    ("engine",),
    ("graph",),
    ("metrics", "world"),  # world: the world-access measure, re-exported by metrics
    ("chain", "urbanchain"),  # the package root re-exports up to chain
    ("scenarios",),
    ("maps",),
    ("report",),  # the decision brief: maps, tables and charts of a chain
    ("cli",),
)
TIER = {name: i for i, names in enumerate(STAGES) for name in names}

#: Upward imports that are allowed, (importing module, imported module): reason.
#: Each is lazy (inside a function), so importing the lower stage never loads the higher.
ALLOWED: dict[tuple[str, str], str] = {
    ("urbanchain.scenarios", "urbanchain.maps"): (
        "Scenario.diff_map() and run_scenario_file() draw maps of a scenario; the import is "
        "inside those functions so `import urbanchain.scenarios` never loads folium"
    ),
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    name = ".".join(rel.parts)
    return name.removesuffix(".__init__")


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "urbanchain"


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """``(imported module, line, lazy)`` for every absolute urbanchain import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lazy_lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    lazy_lines.add(inner.lineno)
    out: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "urbanchain":
                # `from urbanchain import graph` imports the stage `graph`; other names the root
                names = [
                    f"urbanchain.{a.name}" if a.name in TIER else "urbanchain" for a in node.names
                ]
            else:
                names = [node.module]
        else:
            continue
        for name in names:
            if name == "urbanchain" or name.startswith("urbanchain."):
                out.append((name, node.lineno, node.lineno in lazy_lines))
    return out


MODULES = sorted(SRC.rglob("*.py"))


def test_every_stage_is_placed() -> None:
    """A new subpackage or top-level module must get a row in STAGES (and in the docs)."""
    tops = {p.stem for p in SRC.glob("*.py")} | {p.parent.name for p in SRC.glob("*/__init__.py")}
    tops.discard("__init__")
    assert tops - set(TIER) == set()


@pytest.mark.parametrize("path", MODULES, ids=[_module_name(p) for p in MODULES])
def test_no_stage_imports_a_higher_one(path: Path) -> None:
    me = _module_name(path)
    mine = _stage(me)
    bad = []
    for name, line, lazy in _imports(path):
        theirs = _stage(name)
        if mine in {"urbanchain", theirs}:
            continue
        if TIER[theirs] <= TIER[mine]:
            continue
        key = (f"urbanchain.{mine}", f"urbanchain.{theirs}")
        if key in ALLOWED and lazy:
            continue
        bad.append(f"{me}:{line} imports {name} ({theirs} is above {mine})")
    assert not bad, "; ".join(bad)


@pytest.mark.parametrize("path", MODULES, ids=[_module_name(p) for p in MODULES])
def test_private_modules_do_not_import_their_facade(path: Path) -> None:
    me = _module_name(path)
    parts = me.split(".")
    if len(parts) < 3 or not parts[-1].startswith("_") or parts[-1].startswith("__"):
        return  # facades and __main__ may import their package
    facade = ".".join(parts[:2])
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == facade and node.level == 0:
            public = [a.name for a in node.names if not a.name.startswith("_")]
            assert not public, f"{me}:{node.lineno} imports {public} from its facade {facade}"
        if isinstance(node, ast.Import):
            assert facade not in [a.name for a in node.names], f"{me} imports {facade}"


def test_allowed_exceptions_are_still_needed() -> None:
    """An exception that no code uses any more is removed from the list (and the docs)."""
    used = set()
    for path in MODULES:
        mine = f"urbanchain.{_stage(_module_name(path))}"
        for name, _line, _lazy in _imports(path):
            used.add((mine, f"urbanchain.{_stage(name)}"))
    assert set(ALLOWED) <= used


def test_the_checker_sees_lazy_and_from_imports(tmp_path: Path) -> None:
    src = tmp_path / "mod.py"
    src.write_text(
        "from urbanchain import graph, __version__\n"
        "def f():\n    import urbanchain.maps\n    from urbanchain.cli import main\n",
        encoding="utf-8",
    )
    assert _imports(src) == [
        ("urbanchain.graph", 1, False),
        ("urbanchain", 1, False),
        ("urbanchain.maps", 3, True),
        ("urbanchain.cli", 4, True),
    ]


def _engine_branches(path: Path) -> list[int]:
    """Lines comparing something with an engine name (``eng == "cch"``, ``x in ("scipy", ...)``)."""
    names = {"scipy", "cch", "networkx"}
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Compare):
            continue
        for side in [node.left, *node.comparators]:
            consts = [side] if isinstance(side, ast.Constant) else getattr(side, "elts", [])
            if any(isinstance(c, ast.Constant) and c.value in names for c in consts):
                lines.append(node.lineno)
    return lines


@pytest.mark.parametrize(
    "path",
    sorted((SRC / "metrics").glob("*.py")) + sorted((SRC / "scenarios").glob("*.py")),
    ids=lambda p: p.name,
)
def test_no_metric_or_scenario_module_branches_on_the_engine(path: Path) -> None:
    """Metrics and sweeps ask the Engine (capabilities), never its name (engine/_select.py does)."""
    assert _engine_branches(path) == []


def test_the_branch_finder_finds_branches(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text('if eng == "cch":\n    pass\nok = kind == "city"\nx = e in ("scipy",)\n')
    assert _engine_branches(src) == [1, 4]
