"""bplearn's import structure, read from the source: no import circle, nothing imports upward, and
the exercises and course packages import at the top of their modules only.

Layers, lowest first, as in the README: the core (numpy-only modules at bplearn's top level),
teaching (plots, widgets), course: the exercises, and on top of them the grading tools (course/, the
command line). A module may import its own layer and the layers below.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "bplearn"
COURSE = ("bplearn.course", "bplearn.cli", "bplearn.__main__")
EXERCISES = ("bplearn.exercises",)
TEACHING = ("bplearn.plots", "bplearn.widgets")
LAYERS = ("core", "teaching", "exercises", "course")


def module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def layer(module):
    if module.startswith(COURSE):
        return "course"
    if module.startswith(EXERCISES):
        return "exercises"
    if module.startswith(TEACHING):
        return "teaching"
    return "core"


def imports(module):
    """[(imported bplearn module, line, at the top of the module?)] for every import statement in
    ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # "from X import name": the module X.name when it is one, else X itself
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        else:
            continue
        for target in dict.fromkeys(targets):
            if target == "bplearn" or target.startswith("bplearn."):
                while target not in MODULES:  # "import bplearn.x.y" of an attribute: its module
                    target = target.rpartition(".")[0]
                found.append((target, node.lineno, id(node) in top))
    return found


GRAPH = {m: sorted({t for t, _, _ in imports(m) if t != m}) for m in MODULES}


def find_cycle(graph):
    """One import circle as a list of modules (first == last), or None."""
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for n in graph.get(m, ()):
            if state.get(n) == "open":
                return stack[stack.index(n) :] + [n]
            if n not in state:
                cycle = visit(n)
                if cycle:
                    return cycle
        stack.pop()
        state[m] = "done"
        return None

    for m in graph:
        if m not in state:
            cycle = visit(m)
            if cycle:
                return cycle
    return None


def test_the_import_graph_has_no_circle():
    assert find_cycle(GRAPH) is None, "import circle: " + " -> ".join(find_cycle(GRAPH))


def test_no_module_imports_a_higher_layer():
    upward = [
        f"{m} ({layer(m)}) imports {t} ({layer(t)})"
        for m, targets in GRAPH.items()
        for t in targets
        if LAYERS.index(layer(t)) > LAYERS.index(layer(m))
    ]
    assert upward == []


@pytest.mark.parametrize("package", ["bplearn.exercises", "bplearn.course"])
def test_exercises_and_course_import_bplearn_modules_at_the_top_only(package):
    lazy = [
        f"{m}:{line} imports {t}"
        for m in MODULES
        if m.startswith(package)
        for t, line, at_top in imports(m)
        if not at_top
    ]
    assert lazy == []


NB = "bplearn.exercises.nb"
#: The notebook modules (each defines EXERCISES): the nb modules the registry imports.
NOTEBOOK_MODULES = {t for t in GRAPH["bplearn.exercises.registry"] if t.startswith(NB)}


def notebook(module):
    """'nb04a' for bplearn.exercises.nb04a_new_operations and its leaf nb04a_activations."""
    return module.rpartition(".")[2].split("_")[0]


def test_exercise_modules_import_no_registry_and_no_other_notebook():
    """An nb module defines EXERCISES from the leaves and the core (its own notebook's leaf modules,
    e.g. nb04a_activations, included); the registry imports it, not the reverse."""
    wrong = [
        f"{m} imports {t}"
        for m in MODULES
        if m.startswith(NB)
        for t in GRAPH[m]
        if t
        in (
            "bplearn.exercises",
            "bplearn.exercises.registry",
            "bplearn.exercises.check",
            "bplearn.exercises.fallback",
        )
        or t in NOTEBOOK_MODULES
        or (t.startswith(NB) and notebook(t) != notebook(m))
    ]
    assert wrong == []


def test_every_notebook_leaf_module_is_imported_by_its_notebook_module():
    """An nb module the registry does not import holds part of a notebook's exercises: its notebook
    module imports it (else its exercises are never registered)."""
    leaves = [m for m in MODULES if m.startswith(NB) and m not in NOTEBOOK_MODULES]
    orphans = [
        m
        for m in leaves
        if not any(m in GRAPH[n] for n in NOTEBOOK_MODULES if notebook(n) == notebook(m))
    ]
    assert orphans == []


def test_the_checker_finds_a_circle_and_an_upward_import():
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": ["b"], "b": ["c"]}) is None
    assert layer("bplearn.layers") == "core" and layer("bplearn.plots.style") == "teaching"
    assert layer("bplearn.exercises.registry") == "exercises"
    assert layer("bplearn.course.grade") == "course"
    assert "bplearn.exercises.base" in GRAPH["bplearn.exercises.registry"]
