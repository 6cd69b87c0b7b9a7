"""`bplearn grade` on the tiny fixture notebook: full marks for the source, zero for the untouched
learner version, exactly the points of what is done, and every hostile or broken submission graded
with a reason while the batch completes and every submission stays byte-identical.

All submissions are graded in ONE batch (--jobs 2), so the kernels start only once per submission.
"""

import csv

import pytest
from course_fixtures import POINTS, SOURCE_DIR, digest, learner_nb, source_nb, variant, write

from bplearn.cli import main

TOTAL = sum(POINTS.values())
NOT_A_NOTEBOOK = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"

# learner -> (notebook or bytes, expected points per column, words expected in the feedback)
CASES = {
    "full": (source_nb(), POINTS, []),
    "untouched": (learner_nb(), {}, []),
    "half": (variant(solved=["warmup", "answer"]), {"warmup": 1, "check_answer": 2}, []),
    "endless_loop": (
        variant(solved=["warmup", "relu"], insert_after={"warmup": ["while True:\n    pass"]}),
        {"warmup": 1, "relu": 1},
        ["was stopped"],
    ),
    "endless_function": (
        variant(solved=["warmup"], replace={"relu": "def relu(Z):\n    while True:\n        pass"}),
        {"warmup": 1},
        ["timeout"],
    ),
    "os_exit": (
        variant(solved=["warmup", "relu"], insert_after={"warmup": ["import os\nos._exit(1)"]}),
        {"warmup": 1, "relu": 1},
        ["ended the kernel"],
    ),
    "sys_exit": (
        variant(solved=["warmup"], insert_after={"warmup": ["import sys\nsys.exit()"]}),
        {"warmup": 1},
        ["SystemExit"],
    ),
    "out_of_memory": (
        variant(
            solved=["warmup"],
            insert_after={"warmup": ["import numpy as np\nbig = np.ones(2**31)  # 16 GiB"]},
        ),
        {"warmup": 1},
        ["MemoryError"],
    ),
    "killed_like_oom": (
        variant(
            solved=["warmup", "mse_backward"],
            insert_after={"warmup": ["import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"]},
        ),
        {"warmup": 1, "mse_backward": 1},
        ["ended the kernel"],
    ),
    "edited_checks": (
        variant(
            solved=["warmup", "mse_backward", "answer"],
            replace={
                "relu": "def relu(Z):\n    return np.abs(Z)",
                "check_relu": 'print("✓ relu: passed (1/1 points)")',
                "check_answer": "pass",
            },
            delete=["check_warmup"],
        ),
        {"warmup": 1, "mse_backward": 1, "check_answer": 2},
        ["'check_relu' had been changed", "'check_warmup' was missing", "wrong values"],
    ),
    "redefined_check": (
        variant(
            replace={
                "setup": "import numpy as np\nimport bplearn.exercises\n"
                "from bplearn.exercises import CheckResult\n"
                "def check(*args, **kwargs):\n    print('✓ passed')\n"
                "    return CheckResult(args[0], True, 1, 1, 'passed', '')\n"
                "bplearn.exercises.check = check\nmine_or_reference = lambda i, f: f\n"
                "np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True",
                "relu": "def relu(Z):\n    return Z",
                "warmup": "def affine(x, w, b):\n    return 0.0",
                "mse_backward": "def mse_backward(Y_hat, Y):\n    return Y_hat",
            }
        ),
        {},
        [],
    ),
    "forged_evidence": (
        variant(
            solved=["warmup"],
            insert_after={
                "check_relu": [
                    "import re\nfrom bplearn.course.evidence_cell import collect_to\n"
                    "folder = re.findall(r\"lambda: \\(relu\\), '([^']+)'\", '\\n'.join(_ih))[0]\n"
                    "collect_to('relu', lambda: (lambda Z: np.maximum(Z, 0)), folder)  # a forged pass, written late"
                ]
            },
        ),
        {"warmup": 1},
        [],
    ),
    "uses_reference": (
        variant(solved=["warmup"], replace={"relu": "from bplearn.layers import relu"}),
        {"warmup": 1},
        ["uses reference"],
    ),
    "huge_output": (
        variant(solved=["warmup"], insert_after={"warmup": ['print("x" * 30_000_000)']}),
        {"warmup": 1},
        [],
    ),
    "invalid_json": (b'{"cells": [', {}, ["not valid JSON"]),
    "empty_file": (b"", {}, ["empty"]),
    "no_cells": (
        b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
        {},
        ["no cells"],
    ),
    "not_a_notebook": (NOT_A_NOTEBOOK, {}, ["not a notebook"]),
    "json_not_notebook": (b'{"hello": "world"}', {}, ["not a Jupyter notebook"]),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("grade")
    subs = root / "submissions"
    for learner, (content, _, _) in CASES.items():
        write(subs / learner / "mini.ipynb", content)
    stray = write(root / "stray-notes.txt", b"these are not a notebook")
    before = digest(subs), stray.read_bytes()
    out = root / "out"
    code = main(
        [
            "grade",
            str(subs),
            str(stray),
            "--source",
            str(SOURCE_DIR),
            "--out",
            str(out),
            "--jobs",
            "2",
            "--timeout",
            "5",
        ]
    )
    assert code == 0
    rows = {r["learner"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    return dict(root=root, subs=subs, out=out, rows=rows, before=before, stray=stray)


def test_every_submission_is_byte_identical_after_grading(graded):
    assert digest(graded["subs"]) == graded["before"][0]
    assert graded["stray"].read_bytes() == graded["before"][1]


def test_grades_csv_has_one_row_per_learner_and_one_column_per_exercise(graded):
    header = next(csv.reader(open(graded["out"] / "grades.csv")))
    assert header == ["learner", "warmup", "relu", "mse_backward", "check_answer", "total"]
    assert set(graded["rows"]) == set(CASES) | {"stray-notes"}


@pytest.mark.parametrize("learner", list(CASES))
def test_each_submission_gets_exactly_the_points_of_what_works(graded, learner):
    row = graded["rows"][learner]
    expected = CASES[learner][1]
    assert {c: float(row[c]) for c in POINTS} == {c: float(expected.get(c, 0)) for c in POINTS}
    assert float(row["total"]) == sum(expected.values())


@pytest.mark.parametrize("learner", [k for k, v in CASES.items() if v[2]])
def test_each_problem_is_explained_in_the_feedback(graded, learner):
    text = (graded["out"] / "feedback" / f"{learner}.md").read_text()
    for words in CASES[learner][2]:
        assert words in text, text


def test_a_file_that_is_not_a_notebook_is_graded_zero_with_a_reason(graded):
    assert float(graded["rows"]["stray-notes"]["total"]) == 0
    assert "not valid JSON" in (graded["out"] / "feedback" / "stray-notes.md").read_text()


def test_the_source_gets_full_marks_and_the_learner_version_zero(graded):
    assert float(graded["rows"]["full"]["total"]) == TOTAL
    assert float(graded["rows"]["untouched"]["total"]) == 0
    text = (graded["out"] / "feedback" / "untouched.md").read_text()
    assert text.count("not implemented") >= 3


def test_the_summary_counts_each_diagnosis_per_exercise(graded):
    summary = (graded["out"] / "summary.md").read_text()
    assert "| relu | wrong_values | 2 |" in summary  # edited_checks (np.abs) and redefined_check
    assert "| relu | uses_reference | 1 |" in summary
    assert "| relu | timeout | 1 |" in summary
    counts = {
        (r["exercise"], r["diagnosis"]): int(r["learners"])
        for r in csv.DictReader(open(graded["out"] / "summary.csv"))
    }
    learners = len(graded["rows"])
    for column in POINTS:
        assert sum(n for (c, _), n in counts.items() if c == column) == learners
    assert counts[("warmup", "passed")] == sum(1 for _, pts, _ in CASES.values() if "warmup" in pts)
    assert "could not be graded fully" in summary and "not valid JSON" in summary


def test_a_redefined_check_earns_nothing_even_though_it_prints_passed(graded):
    text = (graded["out"] / "feedback" / "redefined_check.md").read_text()
    assert float(graded["rows"]["redefined_check"]["total"]) == 0
    assert "wrong values" in text


def test_the_memory_limit_stops_a_huge_allocation(graded):
    text = (graded["out"] / "feedback" / "out_of_memory.md").read_text()
    assert "Unable to allocate 16.0 GiB" in text or "MemoryError" in text


def test_evidence_written_by_a_later_cell_is_ignored(graded):
    text = (graded["out"] / "feedback" / "forged_evidence.md").read_text()
    assert "raised" not in text, "the forging cell itself must have run"
    assert "| relu | 0 / 1 | ✗ not implemented |" in text
