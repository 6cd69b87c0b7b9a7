"""09: the learner chooses the width and the learning rate (a solution cell of their own,
``capstone_settings``); the check still sees only the trained network, and it does not pass when
the choice is left unanswered, whatever else is done.

The notebook is run with every other answer in place and the settings cell as nbgrader releases it
(``raise NotImplementedError()``).  About a minute on a busy 2-core machine."""

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "notebooks" / "solutions" / "09-capstone.ipynb"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def unanswered(text):
    return re.sub(
        r"( *)### BEGIN SOLUTION\n.*?### END SOLUTION",
        lambda m: f"{m.group(1)}# YOUR CODE HERE\n{m.group(1)}raise NotImplementedError()",
        text,
        flags=re.S,
    )


def test_the_settings_are_a_cell_the_learner_writes():
    nb = nbformat.read(SOURCE, as_version=4)
    (cell,) = [c for c in nb.cells if meta(c).get("grade_id") == "capstone_settings"]
    assert meta(cell)["solution"] and not meta(cell)["grade"]
    given = unanswered(cell.source)
    assert "chosen_width, chosen_lr =" not in given  # the release leaves the choice to the learner
    later = [c.source for c in nb.cells[nb.cells.index(cell) + 1 :] if c.cell_type == "code"]
    assert any("build_network(chosen_width)" in s and "lr=chosen_lr" in s for s in later)


def test_without_the_learners_choice_the_accuracy_does_not_pass(tmp_path):
    nb = nbformat.read(SOURCE, as_version=4)
    for cell in nb.cells:
        if meta(cell).get("grade_id") == "capstone_settings":
            cell.source = unanswered(cell.source)
    NotebookClient(nb, timeout=300, allow_errors=True, kernel_name="python3").execute(
        cwd=str(SOURCE.parent)
    )
    (check,) = [c for c in nb.cells if meta(c).get("grade_id") == "check_capstone_accuracy"]
    shown = "".join(
        o.get("text", "") + "".join(map(str, o.get("data", {}).values())) for o in check.outputs
    )
    assert "capstone_accuracy" in shown and "✗" in shown and "✓" not in shown, shown
