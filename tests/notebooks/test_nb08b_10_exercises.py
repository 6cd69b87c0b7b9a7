"""The exercises of notebooks 08b (residual_backward) and 10 (standard_init, softsign_backward): the
reference passes, the released template is not implemented, correct alternatives pass, and every
diagnosed mistake gets its diagnosis."""
import numpy as np
import pytest

from bplearn.exercises import check, exercise_ids
from bplearn.exercises.nb08b_residual import residual_backward
from bplearn.exercises.nb10_glorot_bengio import softsign, softsign_backward, standard_init

# wrong answers here are built from bplearn's references: see conftest.unwatched
pytestmark = pytest.mark.usefixtures("unwatched")

IDS = ("residual_backward", "standard_init", "softsign_backward")
REFERENCES = {"residual_backward": residual_backward, "standard_init": standard_init,
              "softsign_backward": softsign_backward}


def template(*args):
    # YOUR CODE HERE
    raise NotImplementedError()


def test_the_exercises_are_registered():
    assert set(IDS) <= set(exercise_ids())


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_reference_passes(exercise_id):
    result = check(exercise_id, REFERENCES[exercise_id], show_result=False)
    assert result.passed, result.message


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_template_is_not_implemented(exercise_id):
    result = check(exercise_id, template, show_result=False)
    assert (result.passed, result.diagnosis) == (False, "not_implemented")


def _residual_loop(dY, X, W, b):        # the same maths written with explicit paths
    through_branch = np.einsum("nk,dk->nd", dY, W)
    dX = np.where(X > 0, through_branch, 0.0)
    dX += dY
    return dX, np.einsum("nd,nk->dk", np.where(X > 0, X, 0.0), dY), np.ones(len(dY)) @ dY


RIGHT = [
    ("residual_backward", _residual_loop),
    ("standard_init", lambda n_in, n_out, rng: (2 * rng.random((n_in, n_out)) - 1) / np.sqrt(n_in)),
    ("standard_init", lambda n_in, n_out, rng: rng.normal(0, np.sqrt(1 / (3 * n_in)), (n_in, n_out))),
    # in terms of the output A
    ("softsign_backward", lambda dA, Z: dA * (1 - np.abs(softsign(Z))) ** 2),
    ("softsign_backward", lambda dA, Z: dA / (1 + 2 * np.abs(Z) + Z * Z)),
]


@pytest.mark.parametrize("exercise_id, fn", RIGHT, ids=[f"{e}-{i}" for i, (e, _) in enumerate(RIGHT)])
def test_a_correct_alternative_passes(exercise_id, fn):
    result = check(exercise_id, fn, show_result=False)
    assert result.passed, f"{result.diagnosis}: {result.message}"


def _res(fix):
    def answer(dY, X, W, b):
        A = np.maximum(X, 0)
        return fix(dY, X, W, b, A, (X > 0))
    return answer


WRONG = [
    # residual_backward: the skip's gradient forgotten or overwritten; slope, transpose and dW
    # mistakes
    ("residual_backward", _res(lambda dY, X, W, b, A, on: ((dY @ W.T) * on, A.T @ dY, dY.sum(0))),
     "wrong_values", "through the branch F only"),
    ("residual_backward", _res(lambda dY, X, W, b, A, on: (dY, A.T @ dY, dY.sum(0))),
     "wrong_values", "through the skip connection only"),
    ("residual_backward", _res(lambda dY, X, W, b, A, on: (dY + dY @ W.T, A.T @ dY, dY.sum(0))),
     "wrong_derivative", "ReLU's slope"),
    ("residual_backward", _res(lambda dY, X, W, b, A, on: (dY + (dY @ W.T) * (X + A @ W + b > 0), A.T @ dY,
                                                           dY.sum(0))),
     "at_output", "output Y"),
    ("residual_backward", _res(lambda dY, X, W, b, A, on: (dY + (dY @ W) * on, A.T @ dY, dY.sum(0))),
     "transposed", "W transposed"),
    ("residual_backward", _res(lambda dY, X, W, b, A, on: (dY + (dY @ W.T) * on, X.T @ dY, dY.sum(0))),
     "wrong_values", "relu(X), not X"),
    ("residual_backward", _res(lambda dY, X, W, b, A, on: (dY + (dY @ W.T) * on, A.T @ dY, dY.mean(0))),
     "scale", ""),
    # standard_init: the variance 1/n_in, the bound from n_out, Xavier's init, the bound 1/n_in
    ("standard_init", lambda n_in, n_out, rng: rng.normal(0, 1 / np.sqrt(n_in), (n_in, n_out)), "scale", "1/n_in"),
    ("standard_init", lambda n_in, n_out, rng: rng.uniform(-1, 1, (n_in, n_out)) / np.sqrt(n_out),
     "wrong_values", "n_out"),
    ("standard_init", lambda n_in, n_out, rng: rng.uniform(-1, 1, (n_in, n_out)) * np.sqrt(6 / (n_in + n_out)),
     "wrong_values", "normalised"),
    ("standard_init", lambda n_in, n_out, rng: rng.uniform(-1 / n_in, 1 / n_in, (n_in, n_out)),
     "wrong_values", "bound was 1/n_in"),
    ("standard_init", lambda n_in, n_out, rng: np.full((n_in, n_out), 1 / np.sqrt(n_in)), "wrong_values", "same"),
    ("standard_init", lambda n_in, n_out, rng: np.random.uniform(-1, 1, (n_in, n_out)) / np.sqrt(n_in),
     "wrong_values", "rng"),
    # softsign_backward
    ("softsign_backward", lambda dA, Z: dA / (1 + np.abs(Z)), "wrong_derivative", "quotient rule"),
    ("softsign_backward", lambda dA, Z: dA * (1 - softsign(Z) ** 2), "wrong_derivative", "tanh"),
    ("softsign_backward", lambda dA, Z: dA / (1 + Z) ** 2, "wrong_derivative", "|Z|"),
    ("softsign_backward", lambda dA, Z: dA * (1 - softsign(Z)) ** 2, "wrong_derivative", "|A|"),
    ("softsign_backward", lambda dA, Z: 1 / (1 + np.abs(Z)) ** 2, "wrong_values", "upstream gradient"),
    ("softsign_backward", lambda dA, Z: dA / (1 + np.abs(softsign(Z))) ** 2, "at_output", "A = softsign"),
    ("softsign_backward", lambda dA, Z: -dA / (1 + np.abs(Z)) ** 2, "sign", ""),
]


@pytest.mark.parametrize("exercise_id, fn, diagnosis, words", WRONG,
                         ids=[f"{e}-{d}-{i}" for i, (e, _, d, _) in enumerate(WRONG)])
def test_a_wrong_answer_gets_its_diagnosis(exercise_id, fn, diagnosis, words):
    result = check(exercise_id, fn, show_result=False)
    assert not result.passed
    assert result.diagnosis == diagnosis, result.message
    assert words in result.message, result.message
