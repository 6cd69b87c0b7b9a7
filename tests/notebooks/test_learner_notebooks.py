"""The learner notebooks, untouched, run top to bottom: the only errors are the NotImplementedError
of unfinished exercises, every check says "not implemented", and every other cell (plots, widgets,
demos that fall back on bplearn's reference) still runs.

The source notebooks themselves run under nbval (see the Makefile's test target).
"""
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
LEARNER = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOURCES = sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))


def nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def output_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        parts.append(out.get("data", {}).get("text/plain", ""))
        if out.get("output_type") == "error":
            parts.append(f"{out['ename']}: {out['evalue']}")
    return "".join(parts)


def test_every_source_has_a_learner_notebook():
    assert [p.name for p in LEARNER] == [p.name for p in SOURCES]


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("path", LEARNER, ids=[p.stem for p in LEARNER])
def test_untouched_learner_notebook_runs_with_only_not_implemented_errors(path, tmp_path):
    shutil.copy(path, tmp_path / path.name)  # never run in notebooks/ itself
    nb = nbformat.read(tmp_path / path.name, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "every code cell must have run"
    errors = [(i, out) for i, c in enumerate(code) for out in c.outputs if out.output_type == "error"]
    unexpected = [f"cell {i}: {out.ename}: {out.evalue}" for i, out in errors if out.ename != "NotImplementedError"]
    assert not unexpected, "errors other than NotImplementedError:\n" + "\n".join(unexpected)

    checks = [c for c in code if nbgrader(c).get("grade")]
    assert checks, f"{path.name} has no graded check cells"
    for cell in checks:
        text = output_text(cell).lower()
        assert "not implemented" in text, f"check cell {nbgrader(cell)['grade_id']} says: {text[:300]!r}"
