"""The issue's cheats score 0 everywhere a grade is given, with a message naming the call: in the
notebook (the verdict the learner sees), under real nbgrader (autograde) and in ``bplearn grade``.

One submission per notebook: every exercise answered with the source's solution except the
cheats, each a one-liner around bplearn's own function:

    01  relu                return bplearn.layers.relu(Z)
    04a batchnorm_backward  from bplearn.exercises.nb04a_new_operations import batchnorm_backward
                            inside the learner's function
    04b topological_order   ad.topological_order(root)      (called on the page before the exercise)
        backward            ad.backward(loss)               (called on the page before the exercise)
        matmul_backward     layers.linear_backward(...)[:2]

The honest answers beside them keep their points (``backward`` calls ``topo_order``, which is
bplearn's ``topological_order`` once the learner's failed: the page says to use it).  About 3-5
minutes on a busy 2-core machine (three notebooks run three times each).
"""

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from bplearn.cli import main

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("01-forward-pass", "04a-differentiate", "04b-reverse-mode-autodiff")
CHEATS = {
    "relu": (
        "import bplearn\n\n\ndef relu(Z):\n    return bplearn.layers.relu(Z)\n",
        "bplearn.layers.relu()",
    ),
    "batchnorm_backward": (
        "def batchnorm_backward(dY, X, gamma, eps):\n"
        "    from bplearn.exercises.nb04a_new_operations import batchnorm_backward\n\n"
        "    return batchnorm_backward(dY, X, gamma, eps)\n",
        "bplearn.exercises.nb04a_new_operations.batchnorm_backward()",
    ),
    "topological_order": (
        "def topological_order(root):\n    return ad.topological_order(root)\n",
        "bplearn.autodiff.topological_order()",
    ),
    "backward": ("def backward(loss):\n    ad.backward(loss)\n", "bplearn.autodiff.backward()"),
    "matmul_backward": (
        "from bplearn import layers\n\n\ndef matmul_backward(dout, A, B):\n"
        "    return layers.linear_backward(dout, A, B)[:2]\n",
        "bplearn.layers.linear_backward()",
    ),
}

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def solved(text):
    return "\n".join(line for line in text.split("\n") if "### " not in line)


def submission(release, source):
    """The release with the source's answers, and the cheats in place of theirs."""
    answers = {meta(c).get("grade_id"): c.source for c in source.cells if meta(c).get("solution")}
    nb = nbformat.from_dict(release)
    for cell in nb.cells:
        gid = meta(cell).get("grade_id")
        if gid in CHEATS:
            cell.source = CHEATS[gid][0]
        elif gid in answers and cell.cell_type == "code":
            cell.source = solved(answers[gid])
    return nb


def checks(nb):
    """{exercise id: points} of the notebook's check cells."""
    return {
        meta(c)["grade_id"].removeprefix("check_"): meta(c)["points"]
        for c in nb.cells
        if meta(c).get("grade") and not meta(c).get("solution")
    }


def run(args, cwd, timeout=900):
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    env.pop("NBGRADER_EXECUTION", None)
    done = subprocess.run(
        [str(bin_dir / args[0]), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """An nbgrader course of the three notebooks, released, with one cheating submission each."""
    root = tmp_path_factory.mktemp("borrowed")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'bplearn'\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.Exchange.root = {str(root / 'exchange')!r}\n"
        "c.ExecutePreprocessor.timeout = 300\n"
    )
    for name in NAMES:
        (root / "source" / name).mkdir(parents=True)
        shutil.copy(ROOT / "notebooks" / "solutions" / f"{name}.ipynb", root / "source" / name)
    run(["nbgrader", "generate_assignment", "*"], root)
    subs = {}
    for name in NAMES:
        release = nbformat.read(root / "release" / name / f"{name}.ipynb", as_version=4)
        source = nbformat.read(root / "source" / name / f"{name}.ipynb", as_version=4)
        subs[name] = submission(release, source)
        folder = root / "submitted" / "cheater" / name
        folder.mkdir(parents=True)
        nbformat.write(subs[name], folder / f"{name}.ipynb")
    return root, subs


def expected(nb):
    return {e: 0 if e in CHEATS else p for e, p in checks(nb).items()}


def test_in_the_notebook_each_cheat_is_refused_naming_the_call(course):
    _, subs = course
    for name, nb in subs.items():
        nb = nbformat.from_dict(nb)
        NotebookClient(nb, timeout=300, allow_errors=True, kernel_name="python3").execute(
            cwd=str(ROOT / "notebooks")
        )
        for cell in nb.cells:
            gid = meta(cell).get("grade_id", "").removeprefix("check_")
            if meta(cell).get("grade") and not meta(cell).get("solution"):
                text = "".join(
                    o.get("text", "") + "".join(map(str, o.get("data", {}).values()))
                    for o in cell.get("outputs", [])
                )
                if gid in CHEATS:
                    assert "✗" in text and CHEATS[gid][1] in text, (gid, text)
                else:
                    assert "✓" in text, (gid, text)


def test_under_nbgrader_each_cheat_scores_zero(course):
    from nbgrader.api import Gradebook

    root, subs = course
    for name in NAMES:
        run(["nbgrader", "autograde", name], root)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for name, nb in subs.items():
            found = gb.find_submission_notebook(name, name, "cheater")
            scores = {
                g.name.removeprefix("check_"): g.auto_score
                for g in found.grades
                if g.name.removeprefix("check_") in checks(nb)
            }
            assert scores == expected(nb), name
            graded = nbformat.read(
                root / "autograded" / "cheater" / name / f"{name}.ipynb", as_version=4
            )
            for cell in graded.cells:
                gid = meta(cell).get("grade_id", "").removeprefix("check_")
                if gid in CHEATS and meta(cell).get("grade"):
                    error = "\n".join(o.get("evalue", "") for o in cell.get("outputs", []))
                    assert "uses reference" in error and CHEATS[gid][1] in error, error


def test_in_bplearn_grade_each_cheat_scores_zero(course, tmp_path):
    root, subs = course
    source = tmp_path / "source"
    source.mkdir()
    for name in NAMES:
        shutil.copy(ROOT / "notebooks" / "solutions" / f"{name}.ipynb", source)
    learner = tmp_path / "submissions" / "cheater"
    learner.mkdir(parents=True)
    for name in NAMES:
        shutil.copy(root / "submitted" / "cheater" / name / f"{name}.ipynb", learner)
    out = tmp_path / "out"
    args = ["grade", str(learner.parent), "--source", str(source), "--out", str(out)]
    assert main([*args, "--jobs", "1", "--timeout", "120"]) == 0
    (row,) = csv.DictReader(open(out / "grades.csv"))
    feedback = (out / "feedback" / "cheater.md").read_text()
    for name, nb in subs.items():
        for exercise, points in expected(nb).items():
            assert float(row[exercise]) == points, (name, exercise, row[exercise])
    for _, name in CHEATS.values():
        assert name in feedback, feedback
