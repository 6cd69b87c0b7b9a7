"""The teaching layer sits on the core: the core never imports it, and it never imports the course layer."""
import subprocess
import sys


def _modules_after(statement):
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_importing_the_core_loads_neither_matplotlib_nor_ipywidgets():
    mods = _modules_after("import bplearn")
    assert "matplotlib" not in mods and "ipywidgets" not in mods
    assert "bplearn.plots" not in mods and "bplearn.widgets" not in mods


def test_plots_need_only_the_core_and_matplotlib():
    mods = _modules_after("import bplearn.plots")
    assert "ipywidgets" not in mods and "nbformat" not in mods and "nbclient" not in mods
    assert not any(m.startswith(("bplearn.exercises", "bplearn.course")) for m in mods)


def test_widgets_do_not_import_the_course_layer():
    mods = _modules_after("import bplearn.widgets")
    assert "nbformat" not in mods and "nbclient" not in mods
    assert not any(m.startswith(("bplearn.exercises", "bplearn.course")) for m in mods)
