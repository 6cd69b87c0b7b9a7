"""The check a grade cell calls: the learner's verdict everywhere, a failing cell under nbgrader.

(tests/course/test_nbgrader.py runs the same through real nbgrader.)"""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from bplearn.exercises import graded
from bplearn.exercises.graded import CheckFailed, check
from bplearn.layers import relu as bplearns_relu


def my_relu(Z):
    return np.maximum(Z, 0)


def absolute(Z):
    return np.abs(Z)


def test_outside_nbgrader_a_wrong_answer_shows_its_verdict_and_raises_nothing(monkeypatch, capsys):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    result = check("relu", absolute)
    assert not result.passed and result.diagnosis == "wrong_values"
    assert capsys.readouterr().out.startswith("✗ relu: not yet, wrong values (0/1 point)")


@pytest.mark.parametrize("mode", ["autograde", "validate"])
def test_under_nbgrader_a_wrong_answer_fails_the_cell_with_its_diagnosis(monkeypatch, capsys, mode):
    monkeypatch.setenv("NBGRADER_EXECUTION", mode)
    with pytest.raises(CheckFailed) as failed:
        check("relu", absolute)
    assert str(failed.value).startswith("✗ relu: not yet, wrong values (0/1 point)\n  ")
    assert "✗ relu" in capsys.readouterr().out  # the verdict is shown as well


def test_under_nbgrader_a_right_answer_passes(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert check("relu", my_relu).passed


def test_under_nbgrader_a_not_implemented_answer_fails(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")

    def relu(Z):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="not implemented yet"):
        check("relu", relu)


def test_under_nbgrader_bplearns_own_function_is_not_the_learners(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(CheckFailed, match="(?s)uses reference.*bplearn.s own"):
        check("relu", bplearns_relu)


def test_outside_nbgrader_bplearns_own_function_passes_as_before(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert check("relu", bplearns_relu).passed


def test_the_graded_module_cannot_be_patched():
    with pytest.raises(AttributeError, match="read-only"):
        graded.check = lambda *args, **kwargs: None
    with pytest.raises(AttributeError, match="read-only"):
        del graded.under_nbgrader
    assert graded.check is check


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/environ")
def test_removing_the_variable_inside_the_kernel_does_not_stop_grading():
    code = textwrap.dedent("""
        import os
        import numpy as np
        os.environ.pop("NBGRADER_EXECUTION")
        from bplearn.exercises.graded import CheckFailed, check
        try:
            check("relu", np.abs)
        except CheckFailed as exc:
            print("failed:", str(exc).splitlines()[0])
    """)
    import os

    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, NBGRADER_EXECUTION="autograde"),
    )
    assert out.returncode == 0, out.stderr
    assert "failed: ✗ relu: not yet" in out.stdout
