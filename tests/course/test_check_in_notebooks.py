"""What a learner sees: the verdict (text and HTML), the learner's own error line, a way forward
with mine_or_reference, and evidence that survives the trip from a kernel to the grader
unchanged."""

import numpy as np
import pytest

from bplearn.exercises import (
    Case,
    CustomExercise,
    FunctionExercise,
    Mistake,
    Verdict,
    check,
    evidence,
    get,
    mine_or_reference,
    register,
)
from bplearn.exercises.display import as_html, as_text
from bplearn.layers import relu as reference_relu


def my_relu(Z):
    return np.maximum(Z, 0)


def broken_relu(Z):
    A = Z.copy()
    return A[Z > 0] @ Z  # a shape error inside the learner's own code


def test_the_verdict_is_printed_as_text_outside_jupyter(capsys):
    result = check("relu", my_relu)
    assert result.passed and result.points == 1 == result.max_points
    assert capsys.readouterr().out.startswith("✓ relu: passed (1/1 point)")


def test_a_failed_verdict_names_the_diagnosis_in_words_and_html():
    result = check("relu", lambda Z: np.abs(Z), show_result=False)
    assert as_text(result).startswith("✗ relu: not yet, wrong values (0/1 point)")
    html = as_html(result)
    assert "✗ relu" in html and "negative entries should become 0" in html and "<script" not in html


def test_the_template_says_not_implemented():
    def relu(Z):
        raise NotImplementedError()

    assert "not implemented" in as_text(check("relu", relu, show_result=False)).lower()


def test_an_error_shows_the_learners_exception_and_line():
    result = check("relu", broken_relu, show_result=False)
    assert result.diagnosis == "error"
    assert "ValueError" in result.message
    assert "return A[Z > 0] @ Z" in result.message and "in broken_relu" in result.message


def test_mine_or_reference_keeps_a_passing_answer(capsys):
    assert mine_or_reference("relu", my_relu) is my_relu
    assert capsys.readouterr().out == ""


def test_mine_or_reference_falls_back_on_the_reference_and_says_so(capsys):
    def relu(Z):
        raise NotImplementedError()

    chosen = mine_or_reference("relu", relu)
    assert chosen is reference_relu
    assert "using bplearn's reference for relu" in capsys.readouterr().out


def test_an_unknown_exercise_id_suggests_the_close_ones():
    with pytest.raises(KeyError, match="relu_backward"):
        check("relu_backwards", my_relu)


@pytest.mark.parametrize(
    "exercise_id, answer",
    [
        ("linear_backward", lambda dZ, X, W: (dZ @ W.T, dZ.T @ X, dZ.sum(axis=1))),
        ("softmax", lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)),
        (
            "clip_grad_norm",
            lambda g, m: ([x * 1.0 for x in g], float(np.sqrt(sum((x**2).sum() for x in g)))),
        ),
        ("numerical_gradient", lambda f, x, h: x.fill(0)),
        ("xavier_init", lambda n_in, n_out, rng: rng.normal(size=(n_in, n_out)).astype(np.float32)),
        ("adam_step", lambda *a: object()),
        ("relu", broken_relu),
    ],
)
def test_evidence_written_by_a_kernel_is_judged_exactly_as_in_the_notebook(
    tmp_path, exercise_id, answer
):
    exercise = get(exercise_id)
    found = exercise.collect(answer)
    evidence.dump(found, tmp_path / exercise_id)
    assert exercise.judge(evidence.load(tmp_path / exercise_id)) == exercise.judge(found)


def test_evidence_files_hold_no_pickles(tmp_path):
    evidence.dump({"x": np.arange(3), "obj": evidence.to_data(object())}, tmp_path / "e")
    with np.load(tmp_path / "e.npz", allow_pickle=False) as npz:
        assert list(npz.files) == ["a0"]
    assert evidence.load(tmp_path / "e")["obj"].type == "object"


def test_a_new_function_exercise_can_be_registered_with_its_own_mistakes(scratch_registry):
    def square_all(x):
        return x**2

    exercise = register(
        FunctionExercise(
            "test_square_all",
            title="Square every entry",
            points=2,
            args=("x",),
            outputs="y",
            reference=square_all,
            cases=lambda rng: [Case((rng.normal(size=n),)) for n in (3, 5, 8)],
            mistakes=[
                Mistake(
                    "wrong_derivative", lambda x: 2 * x, "{output} is the derivative of x², not x²"
                )
            ],
        ),
        replace=True,
    )
    assert check("test_square_all", lambda x: x * x, show_result=False).points == 2
    wrong = check("test_square_all", lambda x: 2 * x, show_result=False)
    assert (wrong.diagnosis, wrong.message) == (
        "wrong_derivative",
        "y is the derivative of x², not x²",
    )
    assert check("test_square_all", lambda x: 3 * x**2, show_result=False).diagnosis == "scale"
    assert exercise.signature == "test_square_all(x) -> y"


def test_a_custom_exercise_checks_a_value(scratch_registry):
    register(
        CustomExercise(
            "test_decay_rate",
            points=1,
            collect=float,
            judge=lambda v: (
                Verdict(True)
                if abs(v - 0.25) < 1e-3
                else Verdict(False, "wrong_values", f"{v:g} is not the decay rate we measured")
            ),
        ),
        replace=True,
    )
    assert check("test_decay_rate", 0.25, show_result=False).passed
    assert (
        check("test_decay_rate", 0.5, show_result=False).message
        == "0.5 is not the decay rate we measured"
    )
    assert check("test_decay_rate", None, show_result=False).diagnosis == "not_implemented"
