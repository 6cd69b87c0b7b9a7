"""Notebook 03's hand-derived exercise, neuron_gradients: the reference passes, correct alternatives
pass, the learner template is "not implemented", and each common mistake gets its own diagnosis."""
import subprocess
import sys

import numpy as np
import pytest

from bplearn.exercises import check, exercise_ids, get
from bplearn.exercises.nb03_chain_rule import neuron_gradients as reference


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def answer(dz_of=None, dw_of=None, db_of=None):
    """A neuron_gradients built from (possibly wrong) pieces."""
    def neuron_gradients(x, w, b, y):
        z = x @ w + b
        a = sigmoid(z)
        dz = dz_of(z, a, y) if dz_of else 2 * (a - y) * a * (1 - a)
        dw = dw_of(dz, x, w) if dw_of else dz * x
        db = db_of(dz, x, b) if db_of else dz
        return dw, db
    return neuron_gradients


def run(fn):
    return check("neuron_gradients", fn, show_result=False)


def test_neuron_gradients_has_two_points():
    assert "neuron_gradients" in exercise_ids()
    assert get("neuron_gradients").points == 2


def test_the_registry_finds_neuron_gradients_without_importing_the_module_by_hand():
    code = "from bplearn.exercises import get; print(get('neuron_gradients').points)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "2", done.stderr[-500:]


def test_reference_passes():
    assert run(reference).passed


@pytest.mark.parametrize("fn", [
    answer(),
    answer(dz_of=lambda z, a, y: 2 * (a - y) * sigmoid(z) * sigmoid(-z)),      # σ'(z) = σ(z) σ(-z)
    lambda x, w, b, y: tuple(np.atleast_1d(g) for g in answer()(x, w, b, y))[0:1] + (float(answer()(x, w, b, y)[1]),),
    lambda x, w, b, y: (np.einsum("i,->i", x, answer()(x, w, b, y)[1]), answer()(x, w, b, y)[1]),
], ids=["chain-rule", "sigma-of-minus-z", "float-db", "einsum"])
def test_correct_alternatives_pass(fn):
    assert run(fn).passed, run(fn).message


def test_the_learner_template_is_not_implemented():
    def neuron_gradients(x, w, b, y):
        # YOUR CODE HERE
        raise NotImplementedError()
    result = run(neuron_gradients)
    assert (result.passed, result.diagnosis) == (False, "not_implemented")
    assert result.points == 0


@pytest.mark.parametrize("fn, diagnosis, words", [
    (answer(dz_of=lambda z, a, y: (a - y) * a * (1 - a)), "scale", "factor 2"),
    (answer(dz_of=lambda z, a, y: 2 * (y - a) * a * (1 - a)), "sign", "opposite sign"),
    (answer(dz_of=lambda z, a, y: 2 * (a - y) * z * (1 - z)), "wrong_derivative", "applied to z"),
    (answer(dz_of=lambda z, a, y: 2 * (a - y) * a), "wrong_derivative", "a(1 − a), not a"),
    (answer(dz_of=lambda z, a, y: 2 * (a - y)), "wrong_values", "missing the sigmoid's local derivative"),
    (answer(dz_of=lambda z, a, y: 2 * (z - y) * a * (1 - a)), "wrong_values", "2(a − y), not 2(z − y)"),
    (answer(dw_of=lambda dz, x, w: dz * w), "wrong_derivative", "multiplied by w"),
    (answer(db_of=lambda dz, x, b: dz * np.ones_like(x)), "wrong_shape", "single number"),
    (answer(db_of=lambda dz, x, b: dz * b), "wrong_values", "db"),
    (lambda x, w, b, y: answer()(x, w, b, y)[0], "wrong_shape", "2 values"),
    (lambda x, w, b, y: None, "not_implemented", "return"),
], ids=["no-factor-2", "sign", "derivative-of-z", "derivative-a", "no-sigmoid-derivative", "z-minus-y",
        "times-w", "db-array", "db-times-b", "only-dw", "returns-none"])
def test_each_common_mistake_gets_its_diagnosis(fn, diagnosis, words):
    result = run(fn)
    assert not result.passed
    assert result.diagnosis == diagnosis, result.message
    assert words in result.message


def test_changing_x_in_place_is_caught():
    def neuron_gradients(x, w, b, y):
        a = sigmoid(x @ w + b)
        x *= 2 * (a - y) * a * (1 - a)
        return x, 2 * (a - y) * a * (1 - a)
    assert run(neuron_gradients).diagnosis == "mutates_input"


def test_an_exception_is_reported_as_an_error():
    def neuron_gradients(x, w, b, y):
        return x @ np.ones(len(x) + 1), 0.0
    result = run(neuron_gradients)
    assert result.diagnosis == "error"
