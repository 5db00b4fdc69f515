"""The import rule of docs/architecture.md, read from the source with `ast` (nothing is imported).

Every module of zerodl stands on a floor; a module imports only zerodl modules on its own floor
or below, there are no circles between modules nor between the package's parts (a subpackage or
a top-level module each counts as one), imports stand at the top of their module except those
of optional dependencies (each with a comment saying so), and no module is over 400 lines.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PACKAGE = SRC / "zerodl"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
MAX_LINES = 400

# The floors, lowest first: (name, the parts of zerodl on it). A part is a top-level module or a
# subpackage, named without "zerodl."; "__init__" is the package itself (zerodl.__version__).
# docs/architecture.md describes the same floors, one heading each.
FLOORS = [
    ("core", ["__init__", "errors", "budget", "atomic", "backend", "parallel", "functions",
              "gradient", "im2col", "init", "io", "plotting", "perceptron", "datasets",
              "book_pickle"]),
    ("layers", ["layers"]),
    ("networks", ["nets", "book_weights", "export", "prediction"]),
    ("training", ["optimizers", "trainer", "run_folder", "distributed", "bench"]),
    ("search and experiments", ["search", "experiments"]),
    ("figures", ["figures"]),
    ("applications", ["slides", "serve", "book"]),
    ("command line", ["cli", "__main__"]),
]
FLOOR_OF = {part: number for number, (_, parts) in enumerate(FLOORS) for part in parts}

# what pyproject.toml's `dependencies` install, by import name: imported at the top like the
# standard library
CORE = {"numpy", "matplotlib", "tqdm", "threadpoolctl", "safetensors", "PIL"}
# the extras of pyproject.toml's optional-dependencies (and what they bring, like Optuna's
# SQLAlchemy), by import name: the only imports that may wait inside a function
OPTIONAL = {"cupy", "torch", "onnx", "onnxruntime", "optuna", "sqlalchemy", "psycopg", "mpi4py",
            "pypdf", "playwright"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what the statement names, as an absolute dotted name
    line: int
    in_function: bool
    commented: bool  # a comment on the statement's first line or on the line above

    def __str__(self) -> str:
        where = "in a function" if self.in_function else "at module level"
        return f"{self.module} (line {self.line}, {where}) imports {self.target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def part(module: str) -> str:
    """The part of zerodl a module belongs to: its subpackage or top-level module."""
    return module.split(".")[1] if "." in module else "__init__"


def resolve(name: str) -> str:
    """The zerodl module that importing `name` runs: the longest prefix that is a module file
    (a name inside a module, or a namespace package's folder, gives the module around it)."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def comment_lines(source: str) -> set[int]:
    """Lines holding a comment that says something (a lone `# noqa` says nothing)."""
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            text = token.string.lstrip("#").strip()
            if text and not text.startswith(("noqa", "type:")):
                lines.add(token.start[0])
    return lines


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, comments: set[int]) -> None:
        self.module, self.comments, self.depth, self.found = module, comments, 0, []

    def _function(self, node) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def _add(self, node, target: str) -> None:
        commented = node.lineno in self.comments or node.lineno - 1 in self.comments
        self.found.append(Import(self.module, target, node.lineno, self.depth > 0, commented))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:  # relative: from the package that holds this module
            package = self.module.split(".")
            if not is_package(self.module):
                package.pop()
            package = package[:len(package) - (node.level - 1)]
            base = ".".join(package + ([base] if base else []))
        for alias in node.names:
            name = f"{base}.{alias.name}"  # a submodule, or a name inside `base`
            self._add(node, name if name in MODULES else base)


def imports_of(module: str) -> list[Import]:
    source = MODULES[module].read_text(encoding="utf-8")
    visitor = _Imports(module, comment_lines(source))
    visitor.visit(ast.parse(source, filename=str(MODULES[module])))
    return visitor.found


IMPORTS = [i for m in MODULES for i in imports_of(m)]


def is_zerodl(name: str) -> bool:
    return name == "zerodl" or name.startswith("zerodl.")


def zerodl_imports() -> list[tuple[Import, str]]:
    """Each import of a zerodl module, with the module file it runs."""
    return [(i, resolve(i.target)) for i in IMPORTS if is_zerodl(i.target)]


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of `graph` as [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1 while on the path, 2 once done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def edge_reasons(edges: dict[tuple[str, str], Import], cycle: list[str]) -> str:
    return "; ".join(str(edges[a, b]) for a, b in pairwise(cycle))


# -- the tests ----------------------------------------------------------------------------------
def test_the_modules_are_found():
    assert {"zerodl", "zerodl.cli", "zerodl.layers.conv", "zerodl.nets.base"} <= set(MODULES)
    assert any(i.in_function for i in IMPORTS)  # the lazy imports of optional dependencies


def test_every_part_of_zerodl_has_a_floor():
    parts = {part(m) for m in MODULES}
    missing = sorted(parts - set(FLOOR_OF))
    assert not missing, f"parts of zerodl on no floor of FLOORS (tests/test_imports.py): {missing}"
    stale = sorted(set(FLOOR_OF) - parts)
    assert not stale, f"FLOORS names parts that zerodl no longer has: {stale}"
    assert len(FLOOR_OF) == sum(len(p) for _, p in FLOORS), "a part stands on two floors"


def test_modules_import_only_their_floor_and_below():
    wrong = []
    for i, target in zerodl_imports():
        mine, theirs = FLOOR_OF[part(i.module)], FLOOR_OF[part(target)]
        if theirs > mine:
            wrong.append(f"{i}: floor {mine} ({FLOORS[mine][0]}) may not import floor {theirs}"
                         f" ({FLOORS[theirs][0]})")
    assert not wrong, "imports of a higher floor:\n" + "\n".join(wrong)


def test_no_circles_between_modules():
    edges: dict[tuple[str, str], Import] = {}
    for i, target in zerodl_imports():
        # importing zerodl.a.b runs zerodl/a/__init__.py first, unless the importer is inside a
        # (whose __init__ is then already running)
        runs = [target] + [p for p in _parents(target) if not i.module.startswith(p + ".")]
        for t in runs:
            if t != i.module:
                edges.setdefault((i.module, t), i)
    assert_no_cycle(edges, "modules")


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:n]) for n in range(2, len(parts))]


def test_no_circles_between_parts_of_zerodl():
    edges: dict[tuple[str, str], Import] = {}
    for i, target in zerodl_imports():
        if part(i.module) != part(target):
            edges.setdefault((part(i.module), part(target)), i)
    assert_no_cycle(edges, "parts of zerodl")


def assert_no_cycle(edges: dict[tuple[str, str], Import], what: str) -> None:
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
    cycle = find_cycle(graph)
    assert cycle is None, (f"{what} import each other in a circle: {' -> '.join(cycle)}"
                           f" ({edge_reasons(edges, cycle)})")


def test_only_optional_dependencies_are_imported_in_functions():
    wrong = []
    for i in IMPORTS:
        if not i.in_function:
            continue
        top = i.target.partition(".")[0]
        if top not in OPTIONAL:
            kind = ("a zerodl module" if is_zerodl(i.target) else
                    "a core dependency" if top in CORE else "not an optional dependency")
            wrong.append(f"{i}: {kind}, so it belongs at the top of the module")
        elif not i.commented:
            wrong.append(f"{i}: an optional dependency imported lazily needs a comment saying so"
                         " (on its line or the line above)")
    assert not wrong, "imports inside functions:\n" + "\n".join(wrong)


def test_no_module_is_over_400_lines():
    long = {m: n for m, p in MODULES.items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: " + ", ".join(
        f"{m} ({n} lines)" for m, n in sorted(long.items()))


@pytest.mark.parametrize("number", range(len(FLOORS)))
def test_architecture_page_has_a_heading_per_floor(number):
    headings = re.findall(r"^#+ (.+)$", ARCHITECTURE.read_text(encoding="utf-8"), flags=re.M)
    name, parts = FLOORS[number]
    heading = f"Floor {number}: {name}"
    assert any(h.strip().startswith(heading) for h in headings), \
        f"docs/architecture.md has no heading '{heading}'"
    section = ARCHITECTURE.read_text(encoding="utf-8").split(heading, 1)[1].split("\n#", 1)[0]
    unnamed = [p for p in parts if p != "__init__" and p not in section]
    assert not unnamed, f"docs/architecture.md's '{heading}' does not name {unnamed}"
