"""The widgets take the loss from the loss object, never from the shape of the predictions."""

import numpy as np

import bplearn as bp
from bplearn import widgets


def _loss_stage(st):
    st.go([e.stage for e in st.events].index("loss"))
    return st.equation.value, st.arrays.value


def test_step_through_with_mse_and_two_outputs_shows_the_mse_equation_not_cross_entropy():
    X, _ = bp.data.xor(n=4, noise=0.1, seed=0)
    Y = np.column_stack(
        [X[:, 0] * X[:, 1], X[:, 0] + X[:, 1]]
    )  # two regression targets per example
    st = widgets.step_through(bp.MLP([2, 3, 2], activation="tanh", init="xavier", seed=0), X, Y)
    assert isinstance(st.loss, bp.MSELoss)
    equation, arrays = _loss_stage(st)
    assert "mean((Y_hat − Y)²)" in equation and "softmax" not in equation
    assert "logits" not in arrays and "Y (targets)" in arrays and "dL/dY_hat" in arrays
    assert st.error.value == ""


def test_step_through_names_the_loss_it_was_given_even_for_one_hot_targets():
    X, y = bp.data.xor(n=4, noise=0.1, seed=0)
    T = np.eye(2)[y]  # looks like classification
    net = bp.MLP([2, 3, 2], activation="tanh", init="xavier", seed=0)
    equation, arrays = _loss_stage(widgets.step_through(net, X, T, loss=bp.MSELoss()))
    assert "mean((Y_hat − Y)²)" in equation and "logits" not in arrays
    net = bp.MLP([2, 3, 2], activation="tanh", init="xavier", seed=0)
    equation, arrays = _loss_stage(widgets.step_through(net, X, T, loss=bp.CrossEntropyLoss()))
    assert "softmax(Z) − T" in equation and "T (one-hot targets)" in arrays


def test_step_through_with_cross_entropy_and_labels_calls_the_predictions_logits():
    equation, arrays = _loss_stage(widgets.step_through())
    assert "−log softmax(Z)[y]" in equation
    assert "Y_hat (logits Z)" in arrays and "y (labels)" in arrays and "dL/dZ" in arrays


def test_step_through_with_binary_cross_entropy_on_one_logit_shows_its_equation():
    X, y = bp.data.xor(n=4, noise=0.1, seed=0)
    t = y.astype(float)[:, None]
    st = widgets.step_through(
        bp.MLP([2, 3, 1], activation="tanh", init="xavier", seed=0),
        X,
        t,
        loss=bp.BCEWithLogitsLoss(),
    )
    equation, arrays = _loss_stage(st)
    assert "log σ(z)" in equation and "(σ(z) − t)" in equation and "Y_hat − Y" not in equation
    assert "t (targets in [0, 1])" in arrays and st.error.value == ""


def test_depth_lab_with_two_regression_targets_trains_with_mse():
    X = np.random.default_rng(0).normal(size=(64, 3))
    Y = np.column_stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]])
    lab = widgets.depth_lab(depth=3, width=8, X=X, y=Y, train_steps=4)
    assert isinstance(lab.loss, bp.MSELoss) and lab.net.layers[-1].W.value.shape == (8, 2)
    assert len(lab.norm_line.get_xdata()) == 4 and np.all(np.asarray(lab.norms) > 0)
    before = lab.image.value
    lab.depth_slider.value = 5
    assert (
        lab.error.value == "" and len(lab.norm_line.get_xdata()) == 6 and lab.image.value != before
    )
    lab.train_button.click()
    assert lab.error.value == "" and "Trained 4 steps" in lab.status.value


def test_depth_lab_train_button_reports_a_diverging_run_instead_of_failing():
    lab = widgets.DepthLab(depth=3, width=8, activation="relu", init="he", lr=1e300, train_steps=10)
    lab.train_button.click()
    assert lab.error.value == "" and "diverged" in lab.status.value
    assert lab.speed_image.layout.display is None  # the picture of what happened is shown
