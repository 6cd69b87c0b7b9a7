"""The core stays small and separate: numpy and the standard library only, nothing from the upper
layers, and few enough lines to read in one sitting."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "bplearn"
CORE = [
    "__init__",
    "validate",
    "layers",
    "losses",
    "network",
    "init",
    "optim",
    "hooks",
    "recorder",
    "gradcheck",
    "train",
    "data",
    "sequence",
]
# Top-level modules of the upper layers, notebook 04b's autodiff engine and notebook 11's Vocabulary
# (text): numpy only, but outside the layer core (issue 14), so `import bplearn` never loads them.
NOT_CORE = {"cli", "__main__", "widgets", "autodiff", "text"}
UPPER = {
    "plots",
    "widgets",
    "exercises",
    "course",
    "cli",
    "__main__",
    "autodiff",
    "text",
    "experiments",
}
HEAVY = [
    "matplotlib",
    "ipywidgets",
    "nbformat",
    "nbclient",
    "IPython",
    "ipykernel",
    "jupyterlab",
    "torch",
    "tqdm",
]
LAZY = {"tqdm.auto"}  # imported inside a function, only when fit draws a progress bar


def imports(nodes):
    """Absolute module names imported by the given statements; relative ones as 'bplearn.<name>'."""
    names = []
    for node in nodes:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names.append(node.module)
            elif node.module:  # from .layers import X
                names.append(f"bplearn.{node.module}")
            else:  # from . import data, init
                names += [f"bplearn.{alias.name}" for alias in node.names]
    return names


def test_import_bplearn_loads_no_heavy_package_and_none_of_the_upper_layers():
    code = (
        "import sys, bplearn; heavy, upper = %r, %r; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy "
        "or (m.startswith('bplearn.') and m.split('.')[1] in upper)))" % (HEAVY, UPPER)
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_only_numpy_the_standard_library_and_other_core_modules(module):
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    at_top = imports(tree.body)
    allowed_core = {f"bplearn.{m}" for m in CORE} | {"bplearn"}
    for name in imports(ast.walk(tree)):
        top = name.split(".")[0]
        if top == "bplearn":
            assert name in allowed_core, f"bplearn/{module}.py imports {name}, which is not core"
        elif name in LAZY:
            assert name not in at_top, (
                f"bplearn/{module}.py imports {name} when it is loaded; import it where used"
            )
        else:
            assert top == "numpy" or top in sys.stdlib_module_names, (
                f"bplearn/{module}.py imports {name}"
            )


def test_every_top_level_module_outside_the_upper_layers_is_checked_as_core():
    assert {p.stem for p in PACKAGE.glob("*.py")} - NOT_CORE == set(CORE)


def core_lines():
    return {m: len((PACKAGE / f"{m}.py").read_text().splitlines()) for m in CORE}


def test_no_core_module_is_over_400_lines():
    assert max(core_lines().values()) <= 400, core_lines()


def test_the_core_reads_in_one_sitting_at_most_1850_formatted_lines():
    assert sum(core_lines().values()) <= 1850, core_lines()
