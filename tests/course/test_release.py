"""`bplearn release`: learner notebooks without solutions; never writes into the sources; never
overwrites without --force; refuses sources that break the format."""

import copy

import nbformat
import pytest
from course_fixtures import SOURCE, SOURCE_DIR, digest, source_nb

from bplearn.cli import main
from bplearn.course import notebook as fmt
from bplearn.course.release import ReleaseError, notebook_text, release, release_notebook


def test_solution_regions_become_the_stub_at_their_indentation():
    nb = release_notebook(source_nb())
    cells = {
        c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells if "nbgrader" in c.metadata
    }
    assert cells["relu"] == "def relu(Z):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    assert cells["answer"] == "# YOUR CODE HERE\nraise NotImplementedError()"


def test_hidden_tests_are_removed_and_visible_checks_kept():
    cells = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in release_notebook(source_nb()).cells
        if "nbgrader" in c.metadata
    }
    assert cells["check_relu"] == 'check("relu", relu)'


def test_no_solution_text_and_no_outputs_in_the_learner_version():
    src = source_nb()
    src.cells[4].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="✓ warmup: passed")
    ]
    src.cells[4].execution_count = 7
    src.metadata["widgets"] = {"state": {}}
    nb = release_notebook(src)
    text = notebook_text(nb)
    for marker in (fmt.BEGIN_SOLUTION, fmt.END_SOLUTION, fmt.BEGIN_HIDDEN, fmt.END_HIDDEN):
        assert marker not in text
    for line in ("return np.maximum(Z, 0)", "return w * x + b", "answer = 12", "show_result=False"):
        assert line not in text
    assert all(
        c.outputs == [] and c.execution_count is None for c in nb.cells if c.cell_type == "code"
    )
    assert "widgets" not in nb.metadata
    assert src.cells[4].outputs, "the source notebook itself is left unchanged"


def test_metadata_and_tags_survive_so_nbgrader_can_read_the_learner_version():
    src, nb = source_nb(), release_notebook(source_nb())
    assert [c.metadata for c in nb.cells] == [c.metadata for c in src.cells]


def test_release_writes_learner_notebooks_and_support_files(tmp_path):
    src = tmp_path / "solutions"
    src.mkdir()
    (src / "mini.ipynb").write_bytes(SOURCE.read_bytes())
    (src / "helpers.py").write_text("X = 1\n")
    (src / "images").mkdir()
    (src / "images" / "net.svg").write_text("<svg/>")
    (src / ".ipynb_checkpoints").mkdir()
    (src / ".ipynb_checkpoints" / "mini-checkpoint.ipynb").write_text("{}")
    before = digest(src)
    written = release(src, tmp_path)
    assert sorted(w.path.relative_to(tmp_path).as_posix() for w in written) == [
        "helpers.py",
        "images/net.svg",
        "mini.ipynb",
    ]
    assert (tmp_path / "mini.ipynb").read_text() == notebook_text(release_notebook(source_nb()))
    assert digest(src) == before
    assert [w.status for w in release(src, tmp_path)] == ["unchanged"] * 3


def test_release_never_overwrites_a_changed_file_without_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mini.ipynb").write_text("my edits")
    with pytest.raises(ReleaseError, match="--force"):
        release(SOURCE_DIR, out)
    assert (out / "mini.ipynb").read_text() == "my edits"
    assert main(["release", str(SOURCE_DIR), str(out)]) == 1
    assert (out / "mini.ipynb").read_text() == "my edits"
    assert main(["release", str(SOURCE_DIR), str(out), "--force"]) == 0
    assert (out / "mini.ipynb").read_text() == notebook_text(release_notebook(source_nb()))


def test_release_never_writes_into_the_source_folder(tmp_path):
    src = tmp_path / "solutions"
    src.mkdir()
    (src / "mini.ipynb").write_bytes(SOURCE.read_bytes())
    before = digest(tmp_path)
    for out in (src, src / "learner"):
        with pytest.raises(ReleaseError, match="inside the source"):
            release(src, out, force=True)
    assert digest(tmp_path) == before


@pytest.mark.parametrize(
    "breakage, message",
    [
        (
            lambda nb: nb.cells[3].__setitem__(
                "source", "def affine(x, w, b):\n    ### BEGIN SOLUTION\n    return 1"
            ),
            "without",
        ),
        (lambda nb: nb.cells[4].metadata["nbgrader"].__setitem__("points", 3), "worth 1"),
        (
            lambda nb: nb.cells[6].metadata["nbgrader"].__setitem__("grade_id", "warmup"),
            "is used by cell",
        ),
        (
            lambda nb: nb.cells[4].__setitem__("source", 'check("relu_forward", relu)'),
            "unknown exercise",
        ),
        (
            lambda nb: nb.cells[1].__setitem__(
                "source", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"
            ),
            "not a solution cell",
        ),
    ],
)
def test_a_source_that_breaks_the_format_is_refused(breakage, message):
    nb = copy.deepcopy(source_nb())
    breakage(nb)
    with pytest.raises(ReleaseError, match=message):
        release_notebook(nb, "mini.ipynb")


def test_check_calls_are_found_with_their_answer_expression():
    assert fmt.check_calls(
        'check("relu", relu)\nassert check("relu", relu, show_result=False).passed'
    ) == [("relu", "relu")]
    assert fmt.check_calls(
        '%time check("sgd_step", my.sgd)\nbplearn.exercises.check("adam_step", adam)'
    ) == [("sgd_step", "my.sgd"), ("adam_step", "adam")]


def test_only_grade_cells_count_and_each_exercise_once():
    nb = source_nb()
    demo = nbformat.v4.new_code_cell('check("warmup", lambda x, w, b: w * x)')  # a demo, not graded
    again = copy.deepcopy(nb.cells[4])
    again.metadata["nbgrader"]["grade_id"] = "check_warmup_again"
    nb.cells[5:5] = [demo, again]
    from bplearn.course.release import registered_points

    items = fmt.exercises_of(nb, registered_points())
    assert [(i.id, i.kind, i.points) for i in items] == [
        ("warmup", "check", 1),
        ("relu", "check", 1),
        ("mse_backward", "check", 1),
        ("check_answer", "cell", 2),
    ]
