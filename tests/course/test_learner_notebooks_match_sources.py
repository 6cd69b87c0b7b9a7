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
    assert learner.read_text() == expected, (
        f"{learner.name} differs from what its source generates: run `make release`"
    )
    return learner.read_text()


def solution_blocks(source):
    """Each solution region's code lines (stripped; blank and comment lines dropped), when it says
    something."""
    nb = nbformat.read(source, as_version=4)
    blocks = []
    for cell in nb.cells:
        if not fmt.is_solution(cell):
            continue
        lines = fmt.source_text(cell).split("\n")
        start = None
        for i, line in enumerate(lines):
            if fmt.BEGIN_SOLUTION in line:
                start = i
            elif fmt.END_SOLUTION in line and start is not None:
                block = [
                    x.strip()
                    for x in lines[start + 1 : i]
                    if x.strip() and not x.strip().startswith("#")
                ]
                if len("".join(block)) >= 12:
                    blocks.append(block)
                start = None
    return blocks


def leaks(blocks, code):
    """The blocks that appear whole, as consecutive lines, in ``code``."""
    lines = [x.strip() for x in code.split("\n") if x.strip() and not x.strip().startswith("#")]
    found = []
    for block in blocks:
        n = len(block)
        if any(lines[i : i + n] == block for i in range(len(lines) - n + 1)):
            found.append("\n".join(block))
    return found


def test_every_learner_notebook_is_generated_from_its_source_and_holds_no_solution():
    compared = 0
    for source in SOURCES:
        text = compare(source)
        learner = nbformat.reads(text, as_version=4)
        code = "\n".join(fmt.source_text(c) for c in learner.cells if c.cell_type == "code")
        for marker in MARKERS:
            assert marker not in text, f"{source.name}: {marker!r} in the learner notebook"
        leaked = leaks(solution_blocks(source), code)
        assert not leaked, f"{source.name}: solution code in the learner notebook: {leaked}"
        compared += 1
    assert compared == len(SOURCES)


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_each_source_is_valid(source):
    from bplearn.course.release import registered_points

    assert (
        fmt.validate_source(nbformat.read(source, as_version=4), registered_points(), source.name)
        == []
    )


def test_the_leak_check_finds_a_solution_pasted_into_a_learner_notebook():
    from course_fixtures import SOURCE

    blocks = solution_blocks(SOURCE)
    assert leaks(blocks, "x = 1\n  return np.maximum(Z, 0)  \n") == ["return np.maximum(Z, 0)"]
    assert (
        leaks(blocks, "def relu(Z):\n    # YOUR CODE HERE\n    raise NotImplementedError()") == []
    )
