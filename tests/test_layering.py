"""Layering rules: core, tkidata and report never import streamlit; core imports no other layer.

Packages that do not exist yet are skipped (only a missing package, never an import error).
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NO_STREAMLIT = ("core", "tkidata", "report")
CORE_FORBIDDEN = ("tkidata", "report", "ui", "pages", "app", "streamlit")


def _require(package: str) -> None:
    if not (ROOT / package / "__init__.py").is_file():
        pytest.skip(f"package {package!r} does not exist yet")


def _imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _top(name: str) -> str:
    return name.split(".")[0]


IMPORT_ALL = """
import importlib, pkgutil, sys
sys.modules["streamlit"] = None  # any import of streamlit now raises ImportError
pkg = importlib.import_module(sys.argv[1])
names = [i.name for i in pkgutil.walk_packages(pkg.__path__, prefix=sys.argv[1] + ".")]
for name in names:
    if not name.endswith("__main__"):  # importing it would run the CLI
        importlib.import_module(name)
print(len(names))
"""


@pytest.mark.parametrize("package", NO_STREAMLIT)
def test_imports_without_streamlit(package):
    _require(package)
    # a fresh interpreter, so that the package and its submodules really are imported here
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, package],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) >= 1 or package != "core"


@pytest.mark.parametrize("package", NO_STREAMLIT)
def test_no_streamlit_import_statically(package):
    _require(package)
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / package).rglob("*.py"))
        if any(_top(n) == "streamlit" for n in _imported_names(path))
    ]
    assert offenders == []


def test_core_imports_no_other_layer():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            n for n in _imported_names(path) if _top(n) in CORE_FORBIDDEN
        )
        for path in sorted((ROOT / "core").rglob("*.py"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_core_hot_path_has_no_pandas():
    for path in sorted((ROOT / "core").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        names = {a.name for n in top_level if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in top_level if isinstance(n, ast.ImportFrom) and n.module}
        assert "pandas" not in {_top(n) for n in names}, path.name


def test_static_scan_sees_streamlit(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import streamlit as st\nfrom streamlit import cache_data\n")
    assert {_top(n) for n in _imported_names(probe)} == {"streamlit"}
    assert importlib.util.find_spec("core") is not None


def _module_imports(package: str) -> dict[str, set[str]]:
    """Module → modules of the same package it imports, at any depth (function-level too)."""
    root = ROOT / package
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for path in root.rglob("*.py")
    }
    # an edge into a package's __init__ is how "from pkg import module" resolves, not a cycle
    packages = {name for name, path in modules.items() if path.name == "__init__.py"}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = {m for m in _imported_names(path) if m in modules and m not in packages}
        targets.discard(name)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in modules:
                for alias in node.names:
                    member = f"{node.module}.{alias.name}"
                    if member in modules and member != name:
                        targets.add(member)
        graph[name] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a path of module names, or [] when the graph has none."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


@pytest.mark.parametrize("package", ("report", "tkidata", "core", "ui"))
def test_no_module_imports_itself_through_others(package):
    # report/deck_inputs.py and report/view.py imported each other (view lazily)
    _require(package)
    cycle = _cycle(_module_imports(package))
    assert not cycle, " → ".join(cycle)


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


#: tkidata's folders (its architecture) and what each may import of the rest of tkidata
TKIDATA_FOLDERS_MAY_IMPORT = {
    "tkidata.store": set(),  # the bottom: the data and how it is read, checked and loaded
    "tkidata.wording": {"tkidata.store"},
}


@pytest.mark.parametrize("part", sorted(TKIDATA_FOLDERS_MAY_IMPORT))
def test_the_store_and_the_wording_sit_below_the_rest_of_tkidata(part):
    allowed = TKIDATA_FOLDERS_MAY_IMPORT[part] | {part}
    graph = _module_imports("tkidata")
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if module == part or module.startswith(part + ".")
        for target in targets
        if not any(target == ok or target.startswith(ok + ".") for ok in allowed)
    )
    assert not wrong, "; ".join(wrong)


def test_tkidata_is_grouped_in_folders_by_what_they_hold():
    flat = sorted(p.name for p in (ROOT / "tkidata").glob("*.py"))
    assert flat == ["__init__.py", "__main__.py", "cli.py", "wording.py"], flat
    for folder in ("store", "patient", "analyses", "comparative", "living"):
        init = ROOT / "tkidata" / folder / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        modules = sorted(p.stem for p in init.parent.glob("*.py") if p.stem != "__init__")
        missing = [m for m in modules if f"``{m}``" not in doc]
        assert not missing, f"tkidata/{folder}/__init__.py does not list {missing}"
