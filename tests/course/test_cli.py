"""`bplearn --help` and each command's help read well; `python -m bplearn` is the same command."""

import subprocess
import sys

import pytest

from bplearn.cli import main


def help_of(*args):
    done = subprocess.run(
        [sys.executable, "-m", "bplearn", *args, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_main_help_lists_every_command_with_examples():
    text = help_of()
    for command in ("release", "grade", "progress", "exercises"):
        assert f"\n    {command}" in text
    assert "examples:" in text and "bplearn grade submissions/ --out grades/" in text


@pytest.mark.parametrize(
    "command, words",
    [
        ("release", ["SOURCE_DIR", "OUT_DIR", "--force", "never", "examples:"]),
        (
            "grade",
            [
                "SUBMISSION",
                "--out",
                "--jobs",
                "--timeout",
                "grades.csv",
                "feedback/",
                "summary.md",
                "examples:",
            ],
        ),
        ("progress", ["NOTEBOOK_DIR", "workspace", "never written", "examples:"]),
    ],
)
def test_each_command_explains_itself(command, words):
    text = help_of(command)
    for w in words:
        assert w in text, f"{w!r} missing from `bplearn {command} --help`"


def test_exercises_lists_ids_points_and_signatures(capsys):
    assert main(["exercises"]) == 0
    out = capsys.readouterr().out
    assert "linear_backward" in out and "linear_backward(dZ, X, W) -> (dX, dW, db)" in out


def test_grade_without_submissions_explains_and_fails(tmp_path, capsys):
    from course_fixtures import SOURCE_DIR

    assert (
        main(["grade", str(tmp_path), "--source", str(SOURCE_DIR), "--out", str(tmp_path / "out")])
        == 1
    )
    assert "no submissions found" in capsys.readouterr().err
