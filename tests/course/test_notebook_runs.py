"""The fixture notebooks in a real kernel: what check cells show, and `bplearn progress`."""

from course_fixtures import digest, learner_nb, source_nb, variant, write

from bplearn.cli import main
from bplearn.course.execute import run_notebook


def outputs_of(nb, grade_id):
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return cell.outputs


def text_of(outputs):
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)


def test_in_the_source_notebook_each_check_shows_one_verdict_and_no_echo(tmp_path):
    run = run_notebook(source_nb(), tmp_path, timeout=30)
    assert run.finished and not run.problems
    for gid, exercise in [
        ("check_warmup", "warmup"),
        ("check_relu", "relu"),
        ("check_mse_backward", "mse_backward"),
    ]:
        outs = outputs_of(run.nb, gid)
        assert [o.output_type for o in outs] == ["display_data"], outs
        assert outs[0].data["text/plain"].startswith(f"✓ {exercise}: passed")
        assert "text/html" in outs[0].data
    fallback = next(c for c in run.nb.cells if c.source.startswith("grad = mine_or_reference"))
    assert text_of(fallback.outputs) == "[1. 3.]\n"


def test_in_a_learner_notebook_checks_say_what_is_wrong_and_later_cells_still_run(tmp_path):
    nb = variant(replace={"relu": "def relu(Z):\n    A = Z.copy()\n    return A[Z > 0] @ Z"})
    run = run_notebook(nb, tmp_path, timeout=30)
    assert "not implemented" in text_of(outputs_of(run.nb, "check_warmup"))
    relu = text_of(outputs_of(run.nb, "check_relu"))
    assert "✗ relu: not yet, error" in relu
    assert "in your code, line 3 (in relu): return A[Z > 0] @ Z" in relu
    fallback = next(c for c in run.nb.cells if c.source.startswith("grad = mine_or_reference"))
    assert text_of(fallback.outputs) == (
        "Note: using bplearn's reference for mse_backward for now, because yours "
        "is not implemented yet.\n[1. 3.]\n"
    )


def test_progress_shows_what_is_done_and_what_is_next_without_writing_to_the_workspace(
    tmp_path, capsys
):
    workspace = tmp_path / "workspace"
    write(
        workspace / "01-mini.ipynb",
        variant(solved=["warmup", "answer"], replace={"relu": "def relu(Z):\n    return -Z"}),
    )
    write(workspace / "02-untouched.ipynb", learner_nb())
    write(workspace / "notes.txt", b"my notes")
    before = digest(workspace)
    assert main(["progress", str(workspace), "--timeout", "20"]) == 0
    out = capsys.readouterr().out
    assert digest(workspace) == before
    lines = out.splitlines()
    assert lines[0].split() == [
        "01-mini.ipynb",
        "2/4",
        "✓",
        "warmup",
        "✗",
        "relu",
        "○",
        "mse_backward",
        "✓",
        "check_answer",
    ]
    assert lines[1].split()[:2] == ["02-untouched.ipynb", "0/4"]
    assert "Done: 2 of 8 exercises (3 of 10 points)." in out
    assert "Next: relu in 01-mini.ipynb (wrong values:" in out
