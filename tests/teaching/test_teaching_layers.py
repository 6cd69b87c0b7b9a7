"""The teaching layer never imports the course layer (that the core never imports it:
tests/core/test_readable_core.py)."""

import subprocess
import sys


def _modules_after(statement):
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_plots_need_only_the_core_and_matplotlib():
    mods = _modules_after("import bplearn.plots")
    assert "ipywidgets" not in mods and "nbformat" not in mods and "nbclient" not in mods
    assert not any(m.startswith(("bplearn.exercises", "bplearn.course")) for m in mods)


def test_widgets_do_not_import_the_course_layer():
    mods = _modules_after("import bplearn.widgets")
    assert "nbformat" not in mods and "nbclient" not in mods
    assert not any(m.startswith(("bplearn.exercises", "bplearn.course")) for m in mods)
