"""Every learner notebook in notebooks/ is exactly what `bplearn release` makes of its source in
notebooks/solutions/, and holds no solution text.  (Regenerate with `make release`.)"""
from pathlib import Path

import nbformat
import pytest

from bplearn.course import notebook as fmt
from bplearn.course.release import notebook_text, release_notebook

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))
MARKERS = (fmt.BEGIN_SOLUTION, fmt.END_SOLUTION, fmt.BEGIN_HIDDEN, fmt.END_HIDDEN)


def compare(source):
    learner = ROOT / "notebooks" / source.name
    assert learner.exists(), f"{learner.name} is missing: run `make release`"
    expected = notebook_text(release_notebook(nbformat.read(source, as_version=4), source.name))
    assert learner.read_text() == expected, f"{learner.name} differs from what its source generates: run `make release`"
    return learner.read_text()


def solution_snippets(source):
    """Substantial lines of code inside solution regions (comments and short lines like `pass` aside)."""
    nb = nbformat.read(source, as_version=4)
    lines = [line.strip() for c in nb.cells if fmt.is_solution(c) for line in fmt.solution_lines(fmt.source_text(c))]
    return sorted({line for line in lines if len(line) >= 12 and not line.startswith("#")})


def test_every_learner_notebook_is_generated_from_its_source_and_holds_no_solution():
    compared = 0
    for source in SOURCES:
        text = compare(source)
        learner = nbformat.reads(text, as_version=4)
        code = "\n".join(fmt.source_text(c) for c in learner.cells if c.cell_type == "code")
        for marker in MARKERS:
            assert marker not in text, f"{source.name}: {marker!r} in the learner notebook"
        leaked = [line for line in solution_snippets(source) if line in code]
        assert not leaked, f"{source.name}: solution lines in the learner notebook: {leaked}"
        compared += 1
    assert compared == len(SOURCES)


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_each_source_is_valid(source):
    from bplearn.course.release import registered_points
    assert fmt.validate_source(nbformat.read(source, as_version=4), registered_points(), source.name) == []
