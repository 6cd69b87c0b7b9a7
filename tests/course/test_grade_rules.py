"""The grader's rules, without kernels: who handed in what, restoring locked and check cells,
reading broken files, and refusing bplearn's own reference as an answer."""

from pathlib import Path

import nbformat
import pytest
from course_fixtures import SOLVED, learner_nb, source_nb, variant, write

from bplearn.course.collect import assign, read_submission
from bplearn.course.evidence_cell import collect_to
from bplearn.course.execute import Run
from bplearn.course.judge import judge_all
from bplearn.course.notebook import GradedItem, grade_id, source_text
from bplearn.course.restore import restore_protected


def ids(nb):
    return [grade_id(c) for c in nb.cells]


def test_a_file_named_like_a_source_belongs_to_the_learner_named_by_its_folder():
    sources = {
        "02-loss.ipynb": Path("s/02-loss.ipynb"),
        "04-backward-pass.ipynb": Path("s/04.ipynb"),
    }
    got = assign([Path("subs/alice/02-loss.ipynb"), Path("subs/bob.ipynb")], sources)
    assert [(learner, name) for _, learner, name in got] == [
        ("alice", "02-loss.ipynb"),
        ("bob", ""),
    ]


def test_any_other_file_is_named_after_its_learner_when_there_is_one_source():
    got = assign(
        [Path("hw/carol.ipynb"), Path("hw/dave_final (1).ipynb")],
        {"mini.ipynb": Path("mini.ipynb")},
    )
    assert [(learner, name) for _, learner, name in got] == [
        ("carol", "mini.ipynb"),
        ("dave_final (1)", "mini.ipynb"),
    ]


def test_an_edited_check_cell_is_replaced_by_the_source_and_noted():
    nb = variant(solved=["warmup"], replace={"check_warmup": 'print("✓ passed")'})
    restored, notes = restore_protected(source_nb(), nb)
    cell = next(c for c in restored.cells if grade_id(c) == "check_warmup")
    assert source_text(cell) == 'check("warmup", affine)'
    assert notes == ["The cell 'check_warmup' had been changed; the original was used."]


def test_a_deleted_check_cell_is_put_back_where_it_was():
    nb = variant(solved=["warmup"], delete=["check_warmup", "setup"])
    restored, notes = restore_protected(source_nb(), nb)
    assert ids(restored) == ids(learner_nb())
    assert len(notes) == 2 and all("was missing" in n for n in notes)


def test_the_learners_own_cells_are_kept_and_hidden_tests_come_back():
    nb = variant(solved=["relu"], insert_after={"relu": ["print('my experiment')"]})
    restored, notes = restore_protected(source_nb(), nb)
    texts = [source_text(c) for c in restored.cells]
    assert SOLVED["relu"] in texts and "print('my experiment')" in texts
    assert any("BEGIN HIDDEN TESTS" in t for t in texts)
    assert notes == []


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"{", "not valid JSON"),
        (b"\xff\xfe\x00", "not valid JSON"),
        (b"[1, 2]", "not a Jupyter notebook"),
        (b'{"cells": "no"}', "not a Jupyter notebook"),
        (b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', "no cells"),
    ],
)
def test_a_broken_file_gets_a_reason(tmp_path, content, reason):
    nb, why = read_submission(write(tmp_path / "x.ipynb", content))
    assert nb is None and reason in why


def test_bplearns_own_reference_earns_nothing_but_a_network_object_is_an_answer(tmp_path):
    from bplearn.layers import relu
    from bplearn.network import MLP

    collect_to("relu", lambda: relu, tmp_path)
    collect_to("warmup", lambda: lambda x, w, b: w * x + b, tmp_path)
    collect_to("capstone_accuracy", lambda: MLP([64, 10], seed=0), tmp_path)
    items = [
        GradedItem(
            e, points=1, grade_id=f"check_{e}", kind="check", answer=e, index=0, evidence_index=1
        )
        for e in ("relu", "warmup", "capstone_accuracy")
    ]
    run = Run(nbformat.v4.new_notebook(), finished=True)
    grades = judge_all(items, run, tmp_path, strict=True, timeout=5)
    assert [g.diagnosis for g in grades][:2] == ["uses_reference", "passed"]
    assert grades[2].diagnosis != "uses_reference"
