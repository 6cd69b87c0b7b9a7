"""fit(): it learns the course's data sets, records a History, stops on divergence and cleans up
after itself."""

import math

import numpy as np
import pytest

import bplearn
from bplearn import MLP, SGD, Adam, CrossEntropyLoss, MSELoss, TrainingDiverged, accuracy, data, fit

# ---------------------------------------------------------------- it learns (each in well under a
# second here)


def test_fit_learns_xor_to_97_percent_training_accuracy():
    X, y = data.xor(n=200, seed=0)
    net = MLP([2, 16, 16, 2], activation="tanh", init="xavier", seed=0)
    history = fit(
        net,
        CrossEntropyLoss(),
        Adam(net.parameters(), lr=0.02),
        X,
        y,
        epochs=60,
        batch_size=32,
        progress=False,
    )
    assert accuracy(net, X, y) >= 0.97
    assert history.train_acc[-1] == accuracy(net, X, y)


def test_fit_learns_two_class_spirals_to_97_percent_training_accuracy():
    X, y = data.spirals(n=300, k=2, seed=0)
    net = MLP([2, 64, 64, 2], activation="relu", init="he", seed=0)
    fit(
        net,
        CrossEntropyLoss(),
        Adam(net.parameters(), lr=0.01),
        X,
        y,
        epochs=120,
        batch_size=32,
        progress=False,
    )
    assert accuracy(net, X, y) >= 0.97


def test_fit_learns_the_digits_to_95_percent_test_accuracy():
    X, y = data.load_digits()
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=0.25, seed=0)
    net = MLP([64, 64, 10], activation="relu", init="he", seed=0)
    history = fit(
        net,
        CrossEntropyLoss(),
        Adam(net.parameters(), lr=0.005),
        X_tr,
        y_tr,
        epochs=20,
        batch_size=32,
        progress=False,
        validation=(X_te, y_te),
    )
    assert accuracy(net, X_te, y_te) >= 0.95
    assert history.val_acc[-1] == accuracy(net, X_te, y_te)


def test_fit_learns_a_regression_with_mse():
    X, Y = data.regression_1d(n=100, noise=0.05, seed=0)
    net = MLP([1, 32, 32, 1], activation="tanh", init="xavier", seed=0)
    history = fit(
        net,
        MSELoss(),
        Adam(net.parameters(), lr=0.01),
        X,
        Y,
        epochs=150,
        batch_size=20,
        progress=False,
    )
    assert history.epoch_loss[-1] < 0.05 * history.epoch_loss[0]
    assert history.epoch_loss[-1] < 0.02


# ---------------------------------------------------------------- History


def test_history_has_a_loss_per_step_and_loss_and_accuracies_per_epoch():
    X, y = data.moons(n=90, seed=0)
    X_val, y_val = data.moons(n=30, seed=1)
    net = MLP([2, 8, 2], seed=0)
    history = fit(
        net,
        CrossEntropyLoss(),
        SGD(net.parameters(), lr=0.1),
        X,
        y,
        epochs=4,
        batch_size=20,
        progress=False,
        validation=(X_val, y_val),
    )
    assert len(history.step_loss) == 4 * math.ceil(90 / 20)
    assert (
        len(history.epoch_loss)
        == len(history.train_acc)
        == len(history.val_loss)
        == len(history.val_acc)
        == 4
    )
    assert all(
        isinstance(v, float) for v in history.step_loss + history.epoch_loss + history.val_loss
    )
    assert all(0.0 <= a <= 1.0 for a in history.train_acc + history.val_acc)
    # the epoch loss is the mean over examples: batches of 20, 20, 20, 20 and 10
    weights = np.array([20, 20, 20, 20, 10]) / 90
    assert history.epoch_loss[0] == pytest.approx(
        float(np.dot(weights, history.step_loss[:5])), rel=1e-12
    )
    assert history.val_loss[-1] == pytest.approx(
        CrossEntropyLoss().forward(net.predict(X_val), y_val), rel=1e-12
    )
    assert "4 epochs" in repr(history)


def test_history_without_validation_or_classification_has_no_accuracies():
    X, Y = data.regression_1d(n=40, seed=0)
    net = MLP([1, 8, 1], seed=0)
    history = fit(
        net,
        MSELoss(),
        SGD(net.parameters(), lr=0.01),
        X,
        Y,
        epochs=3,
        batch_size=40,
        progress=False,
    )
    assert len(history.step_loss) == len(history.epoch_loss) == 3
    assert history.train_acc == history.val_loss == history.val_acc == []


def test_fit_with_the_same_seed_gives_the_same_history():
    X, y = data.xor(n=64, seed=0)
    runs = []
    for _ in range(2):
        net = MLP([2, 8, 2], seed=0)
        runs.append(
            fit(
                net,
                CrossEntropyLoss(),
                SGD(net.parameters(), lr=0.1),
                X,
                y,
                epochs=3,
                batch_size=16,
                seed=5,
                progress=False,
            ).step_loss
        )
    assert runs[0] == runs[1]


# ---------------------------------------------------------------- divergence


def diverging_run(hooks=()):
    X, Y = data.regression_1d(n=64, seed=0)
    net = MLP([1, 16, 16, 1], activation="relu", seed=0)
    with pytest.raises(TrainingDiverged) as info:
        fit(
            net,
            MSELoss(),
            SGD(net.parameters(), lr=1e6),
            X,
            Y,
            epochs=5,
            batch_size=16,
            progress=False,
            hooks=hooks,
        )
    return net, info.value


def test_a_huge_learning_rate_stops_training_with_the_step_and_hints():
    _, err = diverging_run()
    assert isinstance(err, FloatingPointError)
    message = str(err)
    assert f"at step {err.step} " in message
    assert "learning rate" in message and "lr=1e+06" in message and "try lr=100000" in message
    assert "clip_grad_norm" in message and "rebuild the network" in message
    assert 0 < err.step < 20


def test_training_diverged_carries_the_history_up_to_the_bad_step():
    _, err = diverging_run()
    assert isinstance(err.history, bplearn.History)
    assert len(err.history.step_loss) == err.step
    assert all(np.isfinite(err.history.step_loss))


def test_no_update_is_applied_at_the_step_that_diverged():
    seen = []
    diverging_run(hooks=[lambda e: seen.append((e.stage, e.index))])
    last_step = max(i for i, event in enumerate(seen) if event == ("forward", 0))
    assert 2 * (seen.count(("forward", 0)) - 1) == seen.count(
        ("update", 0)
    )  # layer 0's W and b, every step but the last
    assert not any(stage == "update" for stage, _ in seen[last_step:])


# ---------------------------------------------------------------- hooks and output


def test_hooks_passed_to_fit_are_removed_afterwards():
    X, y = data.xor(n=40, seed=0)
    net = MLP([2, 4, 2], seed=0)
    calls = []
    fit(
        net,
        CrossEntropyLoss(),
        SGD(net.parameters(), lr=0.1),
        X,
        y,
        epochs=1,
        batch_size=40,
        progress=False,
        hooks=[lambda e: calls.append(e.stage)],
    )
    assert len(calls) == 3 + 1 + 3 + 4
    net.forward(X)
    assert len(calls) == 11


def test_hooks_passed_to_fit_are_removed_when_training_diverges():
    calls = []
    net, _ = diverging_run(hooks=[lambda e: calls.append(1)])
    n = len(calls)
    with np.errstate(all="ignore"):  # the diverged weights overflow
        net.forward(np.ones((2, 1)))
    assert len(calls) == n


def test_progress_false_prints_nothing(capsys):
    X, y = data.xor(n=40, seed=0)
    net = MLP([2, 4, 2], seed=0)
    fit(
        net,
        CrossEntropyLoss(),
        SGD(net.parameters(), lr=0.1),
        X,
        y,
        epochs=3,
        batch_size=8,
        progress=False,
    )
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_progress_true_shows_a_tqdm_bar_with_the_epoch_loss_and_accuracy(capsys):
    X, y = data.xor(n=40, seed=0)
    net = MLP([2, 4, 2], seed=0)
    history = fit(
        net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y, epochs=3, batch_size=8
    )
    err = capsys.readouterr().err  # outside Jupyter, tqdm draws text on stderr
    assert (
        "3/3" in err
        and f"loss={history.epoch_loss[-1]:.4f}" in err
        and f"acc={history.train_acc[-1]:.4f}" in err
    )
