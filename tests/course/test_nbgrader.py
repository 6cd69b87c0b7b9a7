"""Real nbgrader on the course: every notebook is released, and autograde's points are bplearn's
verdicts.

A temporary nbgrader course is made of notebooks/solutions/ (nbgrader_config.py,
source/<name>/<name>.ipynb). `nbgrader generate_assignment` releases every notebook.  Submissions of
04-backward-pass, built from nbgrader's own release, are autograded in one run:

    untouched   the release as it is                                     0 of 8
    solution    the source's solutions                                   8 of 8
    half_done   linear_backward, relu_backward, mse_backward done        4 of 8
    wrong_dW    all done, but dW transposed                              6 of 8 (linear_backward:
    transposed)
    cheater     nothing right, one cheat per exercise: an edited locked  0 of 8
                check cell, check / mine_or_reference rebound, the public
                bplearn.exercises.check replaced, bplearn's own function
                handed in, NBGRADER_EXECUTION removed, the graded module patched

and, for each grade cell, nbgrader's points are compared with the verdict bplearn displayed in that
cell.
09-capstone (classes and a trained network as answers, a design answer graded by hand) is autograded
as its solution (8 automatic points of 8, the 2 hand-graded ones pending) and untouched (0).
`nbgrader validate` fails on the untouched release; `generate_feedback` puts the
diagnosis next to the cell's score.  nbgrader's commands run with this Python's bin/ first on PATH
(they call alembic).  About 3-4 minutes on a busy 2-core machine, most of it autograde (a kernel per
submission).
"""

import copy
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))
GRADED = "04-backward-pass"
POINTS = {
    "linear_backward": 2,
    "sigmoid_backward": 1,
    "relu_backward": 1,
    "tanh_backward": 1,
    "mse_backward": 1,
    "cross_entropy_backward": 2,
    "network_backward": 2,
}
GRADED_IMPORT = "from bplearn.exercises.graded import check"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def nbgrader(course, *args, timeout=600):
    """Run an nbgrader command in the course folder, with this environment's bin/ first on PATH."""
    bin_dir = Path(sys.executable).parent
    env = dict(
        os.environ,
        PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        OPENBLAS_NUM_THREADS="1",
    )
    env.pop("NBGRADER_EXECUTION", None)
    return subprocess.run(
        [str(bin_dir / "nbgrader"), *args],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def stub(text):
    """A solution cell's text as a learner first sees it (what nbgrader's release writes)."""
    return re.sub(
        r"( *)### BEGIN SOLUTION\n.*?### END SOLUTION",
        lambda m: f"{m.group(1)}# YOUR CODE HERE\n{m.group(1)}raise NotImplementedError()",
        text,
        flags=re.S,
    )


def answer(text):
    """A solution cell's text as a learner who solved it would leave it (the markers dropped)."""
    return "\n".join(
        line
        for line in text.split("\n")
        if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
    )


def submission(release, source, solved=(), replace=None):
    """The released notebook with the source's answers in the ``solved`` solution cells, and cell
    texts replaced by grade_id from ``replace`` ({grade_id: text})."""
    nb = copy.deepcopy(release)
    answers = {
        nbgrader_meta(c).get("grade_id"): c.source
        for c in source.cells
        if nbgrader_meta(c).get("solution")
    }
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in solved:
            cell.source = answer(answers[gid])
        if replace and gid in replace:
            cell.source = replace[gid]
    return nb


# ------------------------------------------------------------------------------------------------
# the course


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("nbgrader-course")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'bplearn'\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.Exchange.root = {str(root / 'exchange')!r}\n"
        "c.ExecutePreprocessor.timeout = 300\n"
    )
    for path in SOURCES:
        (root / "source" / path.stem).mkdir(parents=True)
        shutil.copy(path, root / "source" / path.stem / path.name)
    generated = nbgrader(root, "generate_assignment", "*")
    return root, generated


@pytest.fixture(scope="module")
def autograded(course):
    root, generated = course
    assert generated.returncode == 0, generated.stdout + generated.stderr
    release = nbformat.read(root / "release" / GRADED / f"{GRADED}.ipynb", as_version=4)
    source = nbformat.read(root / "source" / GRADED / f"{GRADED}.ipynb", as_version=4)
    solution = [g for g in POINTS]
    wrong = {
        "linear_backward": answer(
            next(
                c.source
                for c in source.cells
                if nbgrader_meta(c).get("grade_id") == "linear_backward"
            )
        ).replace("dW = X.T @ dZ", "dW = dZ.T @ X")
    }
    assert "dZ.T @ X" in wrong["linear_backward"]
    released = {nbgrader_meta(c).get("grade_id"): c.source for c in release.cells}
    cheats = {
        # a locked check cell edited to print a pass (nbgrader must restore it)
        "check_sigmoid_backward": 'print("✓ sigmoid_backward: passed (1/1 point)")',
        # check and mine_or_reference rebound in the learner's own cell
        "linear_backward": released["linear_backward"]
        + "\n\ncheck = lambda *args, **kwargs: None\n"
        "mine_or_reference = lambda exercise_id, answer: answer\n",
        # the public check replaced, and a wrong answer
        "sigmoid_backward": "def sigmoid_backward(dA, Z):\n    return dA\n\n"
        "import bplearn.exercises\nbplearn.exercises.check = lambda *args, **kwargs: None\n",
        # bplearn's own functions handed in as the answer
        "relu_backward": "from bplearn.exercises import mine_or_reference as fallback\n"
        'relu_backward = fallback("relu_backward", None)\n',
        "tanh_backward": "from bplearn.layers import tanh_backward\n",
        # the grading flag removed from the environment, and a wrong answer
        "mse_backward": "def mse_backward(Y_hat, Y):\n    return Y_hat - Y\n\n"
        "import os\nos.environ.pop('NBGRADER_EXECUTION', None)\n",
        # the graded module patched, and a wrong answer
        "cross_entropy_backward": "def cross_entropy_backward(Z, y):\n    return Z\n\n"
        "import bplearn.exercises.graded as graded\n"
        "try:\n    graded.check = lambda *args, **kwargs: None\nexcept AttributeError:\n    pass\n",
    }
    kinds = {
        "untouched": release,
        "solution": submission(release, source, solution),
        "half_done": submission(
            release, source, ("linear_backward", "relu_backward", "mse_backward")
        ),
        "wrong_dW": submission(release, source, solution, replace=wrong),
        "cheater": submission(release, source, (), replace=cheats),
    }
    for student, nb in kinds.items():
        folder = root / "submitted" / student / GRADED
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{GRADED}.ipynb")
    graded = nbgrader(root, "autograde", GRADED, timeout=900)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    feedback = nbgrader(root, "generate_feedback", GRADED)
    assert feedback.returncode == 0, feedback.stdout + feedback.stderr
    return root, scores(root, kinds)


def scores(root, kinds):
    """{student: {exercise: (nbgrader's points, max points, bplearn's verdict line in that
    cell)}}."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for student in kinds:
            nb = nbformat.read(
                root / "autograded" / student / GRADED / f"{GRADED}.ipynb", as_version=4
            )
            shown = {nbgrader_meta(c).get("grade_id"): verdict_line(c) for c in nb.cells}
            submitted = gb.find_submission_notebook(GRADED, GRADED, student)
            out[student] = {
                g.name.removeprefix("check_"): (g.auto_score, g.max_score, shown.get(g.name))
                for g in submitted.grades
            }
    return out


def verdict_line(cell):
    """The first line of the verdict bplearn displayed in a check cell ("✓ relu: passed (1/1
    point)")."""
    for out in cell.get("outputs", []):
        text = out.get("text") or out.get("data", {}).get("text/plain", "")
        for line in text.splitlines():
            if line[:1] in "✓✗○":
                return line
    return None


# ------------------------------------------------------------------------------------------------
# release


def test_every_check_cell_imports_the_graded_check_itself():
    from bplearn.course import notebook as fmt

    for path in SOURCES:
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            m = nbgrader_meta(cell)
            if cell.cell_type == "code" and m.get("grade") and not m.get("solution"):
                assert fmt.check_calls(cell.source), (
                    f"{path.name} cell {index}: a grade cell without check()"
                )
                assert cell.source.startswith(GRADED_IMPORT + "\n"), f"{path.name} cell {index}"


def test_generate_assignment_releases_every_notebook(course):
    root, generated = course
    assert generated.returncode == 0, generated.stdout + generated.stderr
    for path in SOURCES:
        released = root / "release" / path.stem / path.name
        assert released.is_file(), (
            f"{path.stem} was not released:\n{generated.stdout}{generated.stderr}"
        )


def test_nbgraders_release_has_the_same_cells_as_bplearns(course):
    root, _ = course
    for path in SOURCES:
        ours = nbformat.read(ROOT / "notebooks" / path.name, as_version=4)
        theirs = nbformat.read(root / "release" / path.stem / path.name, as_version=4)
        assert [c.source.strip() for c in theirs.cells] == [c.source.strip() for c in ours.cells], (
            path.name
        )


def test_hand_graded_answers_are_grade_cells_with_points(course):
    root, _ = course
    capstone = nbformat.read(root / "release" / "09-capstone" / "09-capstone.ipynb", as_version=4)
    markdown = [
        nbgrader_meta(c)
        for c in capstone.cells
        if c.cell_type == "markdown" and nbgrader_meta(c).get("solution")
    ]
    assert markdown and all(m["grade"] and m["points"] > 0 for m in markdown)


# ------------------------------------------------------------------------------------------------
# autograde

EXPECTED = {
    "untouched": {},
    "solution": set(POINTS),
    "half_done": {"linear_backward", "relu_backward", "mse_backward"},
    "wrong_dW": set(POINTS) - {"linear_backward"},
    "cheater": {},
}


@pytest.mark.parametrize("student", list(EXPECTED))
def test_autograde_gives_exactly_the_points_of_what_passes(autograded, student):
    _, table = autograded
    got = table[student]
    assert {e: m for e, (_, m, _) in got.items()} == POINTS
    assert {e for e, (s, m, _) in got.items() if s == m} == set(EXPECTED[student])
    assert all(s == 0 for e, (s, m, _) in got.items() if e not in EXPECTED[student])


@pytest.mark.parametrize("student", list(EXPECTED))
def test_nbgraders_points_are_bplearns_verdicts(autograded, student):
    _, table = autograded
    for exercise, (score, max_score, verdict) in table[student].items():
        assert verdict is not None, f"{student}: no verdict shown for {exercise}"
        assert verdict.startswith("✓") == (score == max_score), (
            f"{student}, {exercise}: {score}/{max_score} {verdict}"
        )


def test_each_cheat_is_diagnosed_not_rewarded(autograded):
    _, table = autograded
    shown = {e: v for e, (_, _, v) in table["cheater"].items()}
    assert "not implemented" in shown["linear_backward"]  # check rebound: the real check ran
    assert "not implemented" in shown["sigmoid_backward"] or "not yet" in shown["sigmoid_backward"]
    assert "uses reference" in shown["relu_backward"] and "uses reference" in shown["tanh_backward"]
    assert "not yet" in shown["mse_backward"] and "not yet" in shown["cross_entropy_backward"]


def test_an_edited_locked_cell_is_restored(autograded):
    root, _ = autograded
    source = nbformat.read(root / "source" / GRADED / f"{GRADED}.ipynb", as_version=4)
    graded = nbformat.read(
        root / "autograded" / "cheater" / GRADED / f"{GRADED}.ipynb", as_version=4
    )
    expected = next(
        c.source
        for c in source.cells
        if nbgrader_meta(c).get("grade_id") == "check_sigmoid_backward"
    )
    restored = next(
        c.source
        for c in graded.cells
        if nbgrader_meta(c).get("grade_id") == "check_sigmoid_backward"
    )
    assert restored == expected


def test_the_feedback_shows_the_diagnosis_in_the_failing_cell(autograded):
    root, _ = autograded
    html = (root / "feedback" / "wrong_dW" / GRADED / f"{GRADED}.html").read_text()
    total = sum(POINTS.values())
    assert (
        f"{total - POINTS['linear_backward']:.1f} / {total:.1f}" in html
    )  # every point but the transposed dW's
    assert "CheckFailed" in html and "linear_backward: not yet, transposed (0/2 points)" in html
    assert "dW holds the right numbers but transposed" in html


# ------------------------------------------------------------------------------------------------
# validate


def test_validate_fails_on_an_untouched_release(course, tmp_path):
    root, generated = course
    assert generated.returncode == 0
    name = "01-forward-pass"  # a quick one: validate runs the whole notebook
    untouched = tmp_path / f"{name}.ipynb"
    shutil.copy(root / "release" / name / f"{name}.ipynb", untouched)
    result = nbgrader(root, "validate", str(untouched))
    assert "Success!" not in result.stdout
    assert "VALIDATION FAILED" in result.stdout and "CheckFailed" in result.stdout, result.stdout[
        -2000:
    ]


# ------------------------------------------------------------------------------------------------
# the capstone

CAPSTONE = "09-capstone"
CAPSTONE_CHECKS = {
    "capstone_linear": 2,
    "capstone_relu": 1,
    "capstone_adam": 2,
    "capstone_accuracy": 3,
}


@pytest.fixture(scope="module")
def capstone(course):
    """09's checks take classes and a trained network, and its design answer is graded by hand."""
    root, generated = course
    assert generated.returncode == 0, generated.stdout + generated.stderr
    for student, folder in (("solution", "source"), ("untouched", "release")):
        (root / "submitted" / student / CAPSTONE).mkdir(parents=True, exist_ok=True)
        shutil.copy(
            root / folder / CAPSTONE / f"{CAPSTONE}.ipynb", root / "submitted" / student / CAPSTONE
        )
    graded = nbgrader(root, "autograde", CAPSTONE, timeout=900)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {
            student: (
                nb.needs_manual_grade,
                {g.name: (g.auto_score, g.max_score) for g in nb.grades},
            )
            for student in ("solution", "untouched")
            for nb in [gb.find_submission_notebook(CAPSTONE, CAPSTONE, student)]
        }


def test_the_capstone_solution_gets_every_automatic_point_and_waits_for_the_hand_graded_answer(
    capstone,
):
    needs_manual, grades = capstone["solution"]
    assert {
        g.removeprefix("check_"): s for g, (s, m) in grades.items() if g.startswith("check_")
    } == CAPSTONE_CHECKS
    assert grades["capstone_design_answer"] == (None, 2.0) and needs_manual


def test_an_untouched_capstone_gets_nothing(capstone):
    _, grades = capstone["untouched"]
    assert all(score == 0 for score, _ in grades.values()), grades
    assert {
        g.removeprefix("check_"): m for g, (s, m) in grades.items() if g.startswith("check_")
    } == CAPSTONE_CHECKS
