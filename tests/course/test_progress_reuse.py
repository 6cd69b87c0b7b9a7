"""`bplearn progress` runs again only the notebooks changed since their last check, and gives the
verdicts a full re-run gives (issue 20: it re-ran all 14 notebooks, 98 s, on every call)."""

import json

import pytest
from course_fixtures import learner_nb, variant, write

from bplearn.course import progress as progress_module
from bplearn.course import verdict_cache
from bplearn.course.progress import progress

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def runs(monkeypatch):
    """The names of the notebooks progress() runs in a kernel, in order."""
    seen = []
    real = progress_module._check

    def counting(item, path, *args):
        seen.append(path.name)
        return real(item, path, *args)

    monkeypatch.setattr(progress_module, "_check", counting)
    return seen


def verdicts(items):
    return {i.name: [(g.id, g.diagnosis, g.points, g.message) for g in i.grades] for i in items}


@pytest.fixture
def workspace(tmp_path):
    ws = tmp_path / "workspace"
    write(ws / "01-mini.ipynb", variant(solved=["warmup"]))
    write(ws / "02-untouched.ipynb", learner_nb())
    return ws


def test_an_unchanged_notebook_is_not_run_again_and_keeps_its_verdict(workspace, runs):
    first = progress(workspace, timeout=20)
    assert runs == ["01-mini.ipynb", "02-untouched.ipynb"]
    again = progress(workspace, timeout=20)
    assert runs == ["01-mini.ipynb", "02-untouched.ipynb"], "an unchanged notebook ran again"
    assert [i.reused for i in again] == [True, True]
    assert verdicts(again) == verdicts(first)
    assert verdicts(again)["01-mini.ipynb"][0][:2] == ("warmup", "passed")


def test_a_changed_notebook_is_run_again_and_its_new_verdict_shown(workspace, runs):
    progress(workspace, timeout=20)
    write(workspace / "02-untouched.ipynb", variant(solved=["relu"]))
    runs.clear()
    items = progress(workspace, timeout=20)
    assert runs == ["02-untouched.ipynb"]
    fresh = progress(workspace, timeout=20, reuse=False)
    assert runs == ["02-untouched.ipynb", "01-mini.ipynb", "02-untouched.ipynb"]
    assert verdicts(items) == verdicts(fresh), "a kept verdict differs from a full re-run"
    assert ("relu", "passed") in [v[:2] for v in verdicts(items)["02-untouched.ipynb"]]


def test_a_new_file_next_to_the_notebooks_or_other_bplearn_code_runs_them_again(
    workspace, runs, monkeypatch
):
    progress(workspace, timeout=20)
    (workspace / "data.csv").write_text("1,2\n")
    runs.clear()
    progress(workspace, timeout=20)
    assert runs == ["01-mini.ipynb", "02-untouched.ipynb"]

    monkeypatch.setattr(verdict_cache, "code_fingerprint", lambda: "another bplearn")
    runs.clear()
    progress(workspace, timeout=20)
    assert runs == ["01-mini.ipynb", "02-untouched.ipynb"]

    runs.clear()
    progress(workspace, timeout=30)  # other limits can give another verdict (a timeout)
    assert runs == ["01-mini.ipynb", "02-untouched.ipynb"]


def test_a_damaged_or_forged_kept_verdict_is_never_trusted(workspace, runs):
    first = progress(workspace, timeout=20, names=["01-mini"])
    kept = verdict_cache._file_for(workspace / "01-mini.ipynb")
    record = json.loads(kept.read_text())
    record["key"] = "0" * 64
    record["grades"][0]["diagnosis"] = "forged"
    kept.write_text(json.dumps(record))
    again = progress(workspace, timeout=20, names=["01-mini"])
    assert runs == ["01-mini.ipynb", "01-mini.ipynb"] and verdicts(again) == verdicts(first)

    kept.write_text("{not json")
    progress(workspace, timeout=20, names=["01-mini"])
    assert runs == ["01-mini.ipynb"] * 3


def test_a_run_that_timed_out_is_not_kept(tmp_path, runs):
    ws = tmp_path / "ws"
    write(
        ws / "01-slow.ipynb",
        variant(
            solved=["warmup"],
            replace={"relu": "def relu(Z):\n    while True:\n        pass"},
        ),
    )
    first = progress(ws, timeout=3)
    assert "timeout" in [g.diagnosis for g in first[0].grades]
    progress(ws, timeout=3)
    assert runs == ["01-slow.ipynb", "01-slow.ipynb"]


def test_the_command_answers_from_kept_verdicts_and_fresh_runs_them_all(workspace, runs, capsys):
    from bplearn.cli import main

    assert main(["progress", str(workspace), "--timeout", "20"]) == 0
    first = capsys.readouterr()
    assert main(["progress", str(workspace), "--timeout", "20"]) == 0
    again = capsys.readouterr()
    assert runs == ["01-mini.ipynb", "02-untouched.ipynb"]
    assert again.out == first.out and "unchanged 01-mini.ipynb" in again.err
    assert main(["progress", str(workspace), "--timeout", "20", "--fresh"]) == 0
    assert runs == ["01-mini.ipynb", "02-untouched.ipynb"] * 2
    assert capsys.readouterr().out == first.out
