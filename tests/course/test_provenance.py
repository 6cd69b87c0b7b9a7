"""Credit only for the learner's own code: an answer that calls bplearn's reference (or another
function computing the same thing) fails with ``uses_reference`` and a message naming the call,
however the call is made; every honest answer still passes, including one that calls a function the
page says to use.  (The same verdict under nbgrader and ``bplearn grade``:
test_borrowed_answers_score_zero.py.)"""

import functools

import numpy as np
import pytest

import bplearn
import bplearn.layers as layers
from bplearn import autodiff as ad
from bplearn.course.evidence_cell import collect_to
from bplearn.exercises import check, evidence, get, provenance


def verdict(exercise_id, answer):
    return check(exercise_id, answer, show_result=False)


def assert_borrowed(result, name):
    assert (result.diagnosis, result.points) == ("uses_reference", 0), result.message
    assert f"{name}()" in result.message


# ------------------------------------------------------------------ the issue's cheats


def relu_wrapper(Z):
    return bplearn.layers.relu(Z)


def batchnorm_imported_inside(dY, X, gamma, eps):
    from bplearn.exercises.nb04a_new_operations import batchnorm_backward

    return batchnorm_backward(dY, X, gamma, eps)


def topological_order_by_the_engine(root):
    return ad.topological_order(root)


def backward_by_the_engine(loss):
    ad.backward(loss)


def matmul_by_linear_backward(dout, A, B):
    return layers.linear_backward(dout, A, B)[:2]


@pytest.mark.parametrize(
    "exercise_id, answer, name",
    [
        ("relu", relu_wrapper, "bplearn.layers.relu"),
        (
            "batchnorm_backward",
            batchnorm_imported_inside,
            "bplearn.exercises.nb04a_new_operations.batchnorm_backward",
        ),
        (
            "topological_order",
            topological_order_by_the_engine,
            "bplearn.autodiff.topological_order",
        ),
        ("backward", backward_by_the_engine, "bplearn.autodiff.backward"),
        ("matmul_backward", matmul_by_linear_backward, "bplearn.layers.linear_backward"),
    ],
)
def test_each_cheat_of_the_issue_fails_naming_the_call(exercise_id, answer, name):
    assert_borrowed(verdict(exercise_id, answer), name)


# ------------------------------------------------------------------ every way of making the call

relu_alias = layers.relu
relu_partial = functools.partial(layers.relu)


def via_alias(Z):
    return relu_alias(Z)


def via_import_inside(Z):
    from bplearn.layers import relu as mine

    return mine(Z)


def via_partial(Z):
    return relu_partial(Z)


def via_a_helper_of_the_learner(Z):
    def helper(x):
        return layers.relu(x)

    return helper(Z)


def via_a_layer_object(Z):
    return layers.ReLU().forward(Z)  # runs bplearn.layers.relu inside


def via_numpy_calling_back(Z):
    return np.vectorize(layers.relu)(Z)


def via_mine_or_reference(Z):
    from bplearn.exercises import mine_or_reference

    return mine_or_reference("relu", None)(Z)


@pytest.mark.parametrize(
    "answer",
    [
        relu_wrapper,
        via_alias,
        via_import_inside,
        lambda Z: layers.relu(Z),
        via_partial,
        relu_partial,
        via_a_helper_of_the_learner,
        via_a_layer_object,
        via_numpy_calling_back,
        via_mine_or_reference,
    ],
    ids=[
        "wrapper",
        "alias",
        "import_inside",
        "lambda",
        "partial_inside",
        "partial_as_answer",
        "helper",
        "layer_object",
        "numpy_callback",
        "mine_or_reference",
    ],
)
def test_a_reference_called_any_way_fails_with_uses_reference(answer):
    assert_borrowed(verdict("relu", answer), "bplearn.layers.relu")


def test_another_exercises_reference_called_directly_fails():
    def softplus_by_the_sigmoid(dA, Z):
        return dA * layers.sigmoid(Z)  # the sigmoid exercise's reference is not this learner's

    assert_borrowed(verdict("softplus_backward", softplus_by_the_sigmoid), "bplearn.layers.sigmoid")


def add_by_unbroadcast(dout, a_shape, b_shape):
    return ad.unbroadcast(dout, a_shape), ad.unbroadcast(dout, b_shape)


def leaky_by_the_layer(dA, Z, alpha):
    return layers.leaky_relu_backward(dA, Z, alpha)


def batchnorm_by_layer_norm(dY, X, gamma, eps):
    dXt, dgamma, dbeta = layers.layer_norm_backward(dY.T, X.T, np.ones((X.shape[0],)), eps)
    return dXt.T * gamma, dgamma, dbeta


def training_loop_by_fit(net, loss, optimizer, X, y, epochs, batch_size, seed=0):
    history = bplearn.fit(
        net, loss, optimizer, X, y, epochs=epochs, batch_size=batch_size, seed=seed, progress=False
    )
    return history.step_loss


@pytest.mark.parametrize(
    "exercise_id, answer, name",
    [
        ("add_backward", add_by_unbroadcast, "bplearn.autodiff.unbroadcast"),
        ("leaky_relu_backward", leaky_by_the_layer, "bplearn.layers.leaky_relu_backward"),
        ("batchnorm_backward", batchnorm_by_layer_norm, "bplearn.layers.layer_norm_backward"),
        ("training_loop", training_loop_by_fit, "bplearn.train.fit"),
        ("relu", lambda Z: layers.leaky_relu(Z, 0.0), "bplearn.layers.leaky_relu"),
        ("softmax", lambda Z: ad.softmax(ad.Node(Z)).value, "bplearn.autodiff.softmax"),
    ],
)
def test_a_function_that_computes_the_same_answer_is_declared_and_refused(
    exercise_id, answer, name
):
    assert_borrowed(verdict(exercise_id, answer), name)


# ------------------------------------------------------------------ honest answers still pass


def backward_with_the_engines_order(loss):
    order = ad.topological_order(loss)  # the page says: use topo_order (yours or bplearn's)
    for node in order:
        node.grad = np.zeros_like(node.value)
    loss.grad = np.ones_like(loss.value)
    for node in reversed(order):
        if node.vjp is not None:
            for parent, g in zip(node.parents, node.vjp(node.grad)):
                parent.grad = parent.grad + g


def test_a_function_the_page_says_to_use_is_allowed():
    result = verdict("backward", backward_with_the_engines_order)
    assert result.passed, result.message


def test_the_forward_function_the_page_offers_is_allowed_but_not_the_backward():
    def sigmoid_backward(dA, Z):
        s = layers.sigmoid(Z)  # 04: "Use np.exp / np.tanh, or layers.sigmoid"
        return dA * s * (1 - s)

    assert verdict("sigmoid_backward", sigmoid_backward).passed
    result = verdict("sigmoid_backward", lambda dA, Z: layers.sigmoid_backward(dA, Z))
    assert_borrowed(result, "bplearn.layers.sigmoid_backward")
    assert "may call sigmoid" in result.message


def test_methods_of_the_objects_the_check_hands_over_are_the_learners_to_call():
    def network_backward(layers_, dY_hat):
        d = dY_hat
        for layer in reversed(layers_):
            d, grads = layer.backward(d)  # runs bplearn's linear/activation backward inside
            for p, g in zip(layer.params, grads):
                p.grad += g
        return d

    result = verdict("network_backward", network_backward)
    assert result.passed, result.message


def test_honest_numpy_answers_pass():
    result = verdict("relu", lambda Z: np.maximum(Z, 0))
    assert result.passed, result.message


def test_the_record_is_taken_only_while_the_check_runs_and_the_old_hook_comes_back():
    import sys

    seen = []

    def outer(frame, event, arg):
        seen.append(event)

    sys.setprofile(outer)
    try:
        verdict("relu", relu_wrapper)
        assert sys.getprofile() is outer
    finally:
        sys.setprofile(None)


# ------------------------------------------------------------------ the record travels to the grader


def test_the_evidence_file_carries_the_calls_to_the_grader(tmp_path):
    collect_to("relu", lambda: relu_wrapper, tmp_path)
    found = evidence.load(tmp_path / "relu")
    assert found[provenance.KEY] == ["bplearn.layers.relu"]
    judged = provenance.judge(get("relu"), found)
    assert judged.diagnosis == "uses_reference" and "bplearn.layers.relu()" in judged.message


def test_an_honest_answers_evidence_has_no_record(tmp_path):
    collect_to("relu", lambda: lambda Z: np.maximum(Z, 0), tmp_path)
    assert provenance.KEY not in evidence.load(tmp_path / "relu")
