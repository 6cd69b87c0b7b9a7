"""The core stays small and separate: numpy and the standard library only, nothing from the upper layers."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "bplearn"
CORE = ["__init__", "validate", "layers", "losses", "network", "init", "optim", "hooks", "gradcheck", "train", "data"]
UPPER = {"plots", "widgets", "exercises", "course", "cli", "__main__"}
HEAVY = ["matplotlib", "ipywidgets", "nbformat", "nbclient", "IPython", "ipykernel", "jupyterlab", "torch"]


def imported_modules(path):
    """Absolute module names imported by a core file; relative ones as 'bplearn.<name>'."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
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


def test_import_bplearn_loads_no_plotting_widget_or_notebook_module():
    code = ("import sys, bplearn; heavy = %r; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))" % HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_import_bplearn_loads_none_of_the_packages_upper_layers():
    code = ("import sys, bplearn; "
            "print(sorted(m for m in sys.modules if m.startswith('bplearn.') and m.split('.')[1] in %r))" % UPPER)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_only_numpy_the_standard_library_and_other_core_modules(module):
    allowed_core = {f"bplearn.{m}" for m in CORE} | {"bplearn"}
    for name in imported_modules(PACKAGE / f"{module}.py"):
        top = name.split(".")[0]
        if top == "bplearn":
            assert name in allowed_core, f"bplearn/{module}.py imports {name}, which is not core"
        else:
            assert top == "numpy" or top in sys.stdlib_module_names, f"bplearn/{module}.py imports {name}"


def test_the_core_files_exist_where_the_architecture_says():
    assert all((PACKAGE / f"{m}.py").is_file() for m in CORE)
