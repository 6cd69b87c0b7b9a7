"""Bad input gets a clear error naming the argument, what was expected and what was given."""

import numpy as np
import pytest

from bplearn import (
    MLP,
    SGD,
    Adam,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    Linear,
    MSELoss,
    ReLU,
    Sequential,
    Sigmoid,
    clip_grad_norm,
    data,
    fit,
    init,
    steps,
)
from bplearn.optim import clip_by_global_norm


@pytest.fixture
def net():
    return MLP([3, 4, 2], seed=0)


def classification_fit(X, y, **kwargs):
    net = MLP([2, 3, 2], seed=0)
    return fit(
        net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y, progress=False, **kwargs
    )


# ---------------------------------------------------------------- shapes that do not fit a layer


def test_x_with_the_wrong_number_of_columns_names_the_layer_its_position_and_both_shapes(net):
    with pytest.raises(
        ValueError,
        match=r"layer 0 of the network: Linear\(3→4\) expects X of shape \(N, 3\), "
        r"got an array of shape \(5, 2\)",
    ):
        net.forward(np.ones((5, 2)))


def test_a_layer_that_does_not_fit_the_one_before_is_named_with_its_position():
    bad = Sequential(Linear(3, 4), ReLU(), Linear(5, 2))
    with pytest.raises(
        ValueError,
        match=r"layer 2 of the network \(its X is the output of layer 1\): "
        r"Linear\(5→2\) expects X of shape \(N, 5\), got an array of shape \(5, 4\)",
    ):
        bad.forward(np.ones((5, 3)))


def test_a_lone_linear_layer_names_itself_and_both_shapes():
    with pytest.raises(
        ValueError,
        match=r"Linear\(3→4\) expects X of shape \(N, 3\), got an array of shape \(5, 2\)",
    ):
        Linear(3, 4).forward(np.ones((5, 2)))


def test_one_dimensional_x_asks_for_a_2d_array_or_a_sequence(net):
    with pytest.raises(
        ValueError,
        match=r"X must be a 2-D array of shape \(N, D\) or a sequence of shape \(N, T, D\), got an"
        r" array of shape \(3,\)",
    ):
        net.forward(np.ones(3))


def test_fit_with_the_wrong_number_of_columns_names_the_first_layer():
    X, y = data.xor(n=20, seed=0)
    with pytest.raises(
        ValueError, match=r"layer 0 of the network: Linear\(2→3\) expects X of shape \(N, 2\)"
    ):
        classification_fit(X[:, :1], y)


def test_a_backward_gradient_of_the_wrong_shape_is_named():
    layer = Linear(2, 3)
    layer.forward(np.ones((4, 2)))
    with pytest.raises(
        ValueError, match=r"Linear\(2→3\)\.backward expects grad_out of shape \(4, 3\).*\(4, 2\)"
    ):
        layer.backward(np.ones((4, 2)))


def test_mse_pred_and_target_of_different_shapes_are_named():
    with pytest.raises(
        ValueError,
        match=r"pred \(Y_hat\) and target \(Y\) must have the same shape, "
        r"got \(4, 2\) and \(4, 3\)",
    ):
        MSELoss().forward(np.ones((4, 2)), np.ones((4, 3)))


# ---------------------------------------------------------------- labels


def test_labels_out_of_range_give_the_valid_range_and_the_values_found():
    with pytest.raises(
        ValueError,
        match=r"target \(labels y\) must be class labels in 0\.\.2 \(the logits have "
        r"3 columns\), got values from 0 to 3",
    ):
        CrossEntropyLoss().forward(np.zeros((4, 3)), np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match="got values from -1 to 2"):
        CrossEntropyLoss().forward(np.zeros((4, 3)), np.array([0, 1, -1, 2]))


def test_float_labels_are_a_type_error_that_says_how_to_convert():
    with pytest.raises(
        TypeError,
        match=r"must hold integer class labels, got dtype float64; convert the labels with \.astype\(int\)",
    ):
        CrossEntropyLoss().forward(np.zeros((2, 3)), np.array([0.0, 1.0]))


def test_labels_that_are_not_numbers_are_a_type_error():
    with pytest.raises(
        TypeError, match=r"target \(labels y\) must be integer class labels of shape \(N,\)"
    ):
        CrossEntropyLoss().forward(np.zeros((2, 3)), np.array(["a", "b"]))


def test_labels_of_the_wrong_length_give_both_counts():
    with pytest.raises(
        ValueError, match=r"pred \(logits Z\) has 2 rows but target \(labels y\) has 3 labels"
    ):
        CrossEntropyLoss().forward(np.zeros((2, 3)), np.array([0, 1, 1]))


def test_fit_checks_labels_against_the_networks_outputs():
    X, y = data.xor(n=20, seed=0)
    with pytest.raises(
        ValueError,
        match=r"y must be class labels in 0\.\.1 \(the logits have 2 columns\), "
        r"got values from 1 to 2",
    ):
        classification_fit(X, y + 1)
    with pytest.raises(TypeError, match=r"y must hold integer class labels, got dtype float64"):
        classification_fit(X, y.astype(float))
    with pytest.raises(ValueError, match="fit: X has 20 examples but y has 10; they must match"):
        classification_fit(X, y[:10])


def test_validation_labels_are_checked_and_named():
    X, y = data.xor(n=20, seed=0)
    with pytest.raises(ValueError, match=r"validation y must be class labels in 0\.\.1"):
        classification_fit(X, y, validation=(X, y + 5))


def test_binary_targets_outside_0_1_are_rejected():
    with pytest.raises(
        ValueError, match=r"target \(t\) must be in \[0, 1\], got values from 0\.0 to 2\.0"
    ):
        BCEWithLogitsLoss().forward(np.zeros((2, 1)), np.array([0.0, 2.0]))


def test_one_hot_rows_that_are_not_probabilities_are_rejected():
    with pytest.raises(ValueError, match="rows must be probabilities"):
        CrossEntropyLoss().forward(np.zeros((2, 2)), np.array([[1.0, 1.0], [0.0, 1.0]]))


# ---------------------------------------------------------------- values


@pytest.mark.parametrize(
    "bad, word", [(np.nan, "NaN"), (np.inf, "infinite"), (-np.inf, "infinite")]
)
def test_nan_or_infinite_inputs_are_named(net, bad, word):
    X = np.ones((2, 3))
    X[1, 2] = bad
    with pytest.raises(ValueError, match=f"X contains {word} values"):
        net.forward(X)
    with pytest.raises(ValueError, match=f"X contains {word} values"):
        fit(net, MSELoss(), SGD(net.parameters(), lr=0.1), X, np.ones((2, 2)), progress=False)


def test_nan_targets_are_named():
    with pytest.raises(ValueError, match=r"target \(Y\) contains NaN values"):
        MSELoss().forward(np.ones((2, 1)), np.array([[1.0], [np.nan]]))


def test_an_empty_batch_says_a_batch_needs_an_example(net):
    with pytest.raises(
        ValueError, match=r"X is empty \(shape \(0, 3\)\): a batch needs at least one example"
    ):
        net.forward(np.zeros((0, 3)))


def test_non_numeric_x_is_a_type_error(net):
    with pytest.raises(TypeError, match="X must be an array of numbers, got str 'abc'"):
        net.forward("abc")


# ---------------------------------------------------------------- hyper-parameters and names


@pytest.mark.parametrize("lr", [0, -0.5, float("nan")])
def test_a_learning_rate_that_is_not_positive_is_rejected(net, lr):
    with pytest.raises(ValueError, match=f"lr must be a positive number, got {lr}"):
        SGD(net.parameters(), lr=lr)
    with pytest.raises(ValueError, match="lr must be a positive number"):
        Adam(net.parameters(), lr=lr)


def test_a_learning_rate_that_is_not_a_number_is_a_type_error(net):
    with pytest.raises(TypeError, match="lr must be a positive number, got str '0.1'"):
        SGD(net.parameters(), lr="0.1")


@pytest.mark.parametrize("max_norm", [0, -1.0, float("nan")])
def test_a_max_norm_that_is_not_positive_is_rejected(net, max_norm):
    with pytest.raises(ValueError, match="max_norm must be a positive number"):
        clip_grad_norm(net.parameters(), max_norm)
    with pytest.raises(ValueError, match="max_norm must be a positive number"):
        clip_by_global_norm([np.ones(2)], max_norm)


def test_fit_rejects_epochs_and_batch_size_below_one():
    X, y = data.xor(n=20, seed=0)
    with pytest.raises(ValueError, match="fit: epochs must be a positive integer, got 0"):
        classification_fit(X, y, epochs=0)
    with pytest.raises(ValueError, match="fit: batch_size must be a positive integer, got 0"):
        classification_fit(X, y, batch_size=0)


def test_an_unknown_activation_lists_the_valid_ones():
    with pytest.raises(
        ValueError,
        match="unknown activation 'relux'; choose one of "
        "'sigmoid', 'tanh', 'relu', 'leaky_relu', 'identity'",
    ):
        MLP([2, 3, 1], activation="relux")


@pytest.mark.parametrize(
    "make",
    [
        lambda: Linear(2, 3, init="glorot"),
        lambda: MLP([2, 3, 1], init="glorot"),
        lambda: init.get("glorot"),
    ],
    ids=["Linear", "MLP", "init.get"],
)
def test_an_unknown_init_lists_the_valid_ones(make):
    with pytest.raises(
        ValueError,
        match="unknown init 'glorot'; choose one of 'zeros', 'normal', 'xavier', "
        "'xavier_uniform', 'xavier_normal', 'he', 'he_normal', 'he_uniform'",
    ):
        make()


def test_bad_network_sizes_and_layers_are_named():
    with pytest.raises(
        ValueError, match=r"MLP: sizes must be at least two positive integers.*got \[2\]"
    ):
        MLP([2])
    with pytest.raises(ValueError, match="Linear: n_in must be a positive integer, got 0"):
        Linear(0, 3)
    with pytest.raises(
        TypeError, match="Sequential: layer 1 must be a bplearn layer, got str 'relu'"
    ):
        Sequential(Linear(3, 4), "relu")


# ---------------------------------------------------------------- order of calls


@pytest.mark.parametrize(
    "layer, grad",
    [(Linear(2, 3), np.ones((1, 3))), (ReLU(), np.ones((1, 3))), (Sigmoid(), np.ones((1, 3)))],
    ids=["Linear", "ReLU", "Sigmoid"],
)
def test_layer_backward_before_forward_says_to_run_forward_first(layer, grad):
    with pytest.raises(
        ValueError, match=r"\.backward was called before forward: run forward\(\.\.\.\) first"
    ):
        layer.backward(grad)


@pytest.mark.parametrize("loss", [MSELoss(), CrossEntropyLoss(), BCEWithLogitsLoss()], ids=repr)
def test_loss_backward_before_forward_says_to_compute_the_loss_first(loss):
    with pytest.raises(
        ValueError,
        match=f"{type(loss).__name__}.backward was called before forward: compute the loss first",
    ):
        loss.backward()


def test_network_backward_before_forward_names_the_last_layer():
    with pytest.raises(ValueError, match=r"Linear\(3→1\)\.backward was called before forward"):
        MLP([2, 3, 1]).backward(np.ones((1, 1)))


def test_steps_reports_bad_input_before_changing_anything(net):
    before = [p.value.copy() for p in net.parameters()]
    with pytest.raises(ValueError, match="X contains NaN values"):
        list(
            steps(
                net,
                MSELoss(),
                SGD(net.parameters(), lr=0.1),
                np.full((2, 3), np.nan),
                np.ones((2, 2)),
            )
        )
    for p, w in zip(net.parameters(), before):
        np.testing.assert_array_equal(p.value, w)
