"""Notebook 8's test bench (bplearn.experiments.remedies, plotted by bplearn.plots.bench) measures
and trains the way the notebook says."""

import math

import numpy as np
import pytest

import bplearn as bp
from bplearn.experiments.remedies import (
    Bench,
    BenchRun,
    dead_fraction,
    describe,
    digits_bench,
    smooth,
)
from bplearn.optim import clip_by_global_norm
from bplearn.plots.bench import before_after


@pytest.fixture
def tiny():
    """3 classes, 8 inputs, 96 training rows: a bench small enough to train in milliseconds."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(128, 8))
    y = np.argmax(X[:, :3], axis=1)
    return Bench(
        X[:96], y[:96], X[96:], y[96:], depth=3, width=6, epochs=2, batch_size=32, profile_rows=64
    )


def test_digits_bench_standardises_with_the_training_statistics_only():
    bench = digits_bench()
    assert bench.X_train.shape == (1347, 64) and bench.X_test.shape == (450, 64)
    assert abs(bench.X_train.mean()) < 1e-12
    std = bench.X_train.std(axis=0)
    assert np.allclose(std[std > 0], 1.0) and np.all((std == 0) | np.isclose(std, 1.0))
    assert abs(bench.X_test.mean()) > 1e-6  # the test set is not re-centred on itself


def test_net_has_depth_hidden_layers_of_width_and_one_logit_per_class(tiny):
    net = tiny.net("relu", "he", seed=0)
    shapes = [net.layers[i].W.value.shape for i in net.linear_indices()]
    assert shapes == [(8, 6), (6, 6), (6, 6), (6, 3)]
    assert np.array_equal(net.layers[0].W.value, tiny.net("relu", "he", seed=0).layers[0].W.value)


def test_gradient_profile_is_the_hidden_layers_norms_and_changes_no_weight(tiny):
    net = tiny.net("tanh", "xavier")
    before = [p.value.copy() for p in net.parameters()]
    profile = tiny.gradient_profile(net)
    expected = bp.plots.layer_gradient_norms(
        net, bp.CrossEntropyLoss(), tiny.X_train[:64], tiny.y_train[:64]
    )[:-1]
    assert profile.shape == (3,) and np.allclose(profile, expected)
    assert all(np.array_equal(b, p.value) for b, p in zip(before, net.parameters()))


def test_train_records_every_step_and_each_hidden_layer_and_learns(tiny):
    net = tiny.net("tanh", "xavier")
    run = tiny.train(net, lr=0.1, epochs=10)
    assert len(run.loss) == len(run.grad_norm) == 10 * 3  # 96 rows in minibatches of 32
    assert run.update.shape == (3,) and np.all(run.update > 0)
    assert run.loss[-1] < 0.5 * run.loss[0] and 0.5 < run.acc <= 1 and not run.diverged


def test_the_same_seed_gives_the_same_run_and_another_seed_another(tiny):
    a, b, c = (tiny.run("relu", "he", seed=s) for s in (0, 0, 1))
    assert a.loss == b.loss and a.acc == b.acc and np.array_equal(a.profile, b.profile)
    assert a.loss != c.loss
    assert [r.loss for r in tiny.repeat("relu", "he", seeds=(0, 1))] == [a.loss, c.loss]


def test_clipping_acts_between_backward_and_update_and_records_the_norm_before(tiny):
    seen = []

    def clip(grads, max_norm):
        clipped, total = clip_by_global_norm(grads, max_norm)
        seen.append(total)
        return clipped, total

    one_step = Bench(
        tiny.X_train,
        tiny.y_train,
        tiny.X_test,
        tiny.y_test,
        depth=3,
        width=6,
        epochs=1,
        batch_size=96,
    )
    net = one_step.net("relu", bp.init.normal(3.0))
    old = [p.value.copy() for p in net.parameters()]
    run = one_step.train(net, lr=0.5, max_norm=0.01, clip=clip)
    assert seen == run.grad_norm and run.grad_norm[0] > 0.01
    moved = np.sqrt(sum(np.sum((p.value - o) ** 2) for p, o in zip(net.parameters(), old)))
    assert moved == pytest.approx(
        0.5 * 0.01
    )  # the step is lr * max_norm long (first step: no momentum yet)


def test_a_run_that_overflows_stops_and_has_no_accuracy(tiny):
    net = tiny.net("relu", "he")
    net.layers[2].W.value = np.full((6, 6), 1e300)  # the second layer's outputs overflow at once
    run = tiny.train(net, lr=0.1, epochs=5)  # 5 epochs of 3 minibatches
    assert run.diverged and math.isnan(run.acc) and len(run.loss) < 3  # of 15 planned steps


def test_train_names_the_optimizer_it_does_not_know(tiny):
    with pytest.raises(ValueError, match="optimizer.*'rmsprop'"):
        tiny.train(tiny.net("relu", "he"), optimizer="rmsprop")


def test_adam_is_available_and_trains(tiny):
    run = tiny.train(tiny.net("sigmoid", "xavier"), optimizer="adam", lr=0.01, epochs=10)
    assert run.loss[-1] < run.loss[0]


def test_dead_fraction_counts_units_that_are_off_for_every_row(tiny):
    net = tiny.net("relu", "he")
    net.layers[2].b.value = np.full(6, -1e6)  # every unit of hidden layer 2 is off
    dead = dead_fraction(net, tiny.X_train)
    assert dead.shape == (3,) and dead[1] == 1.0 and dead[0] < 1.0
    assert dead_fraction(tiny.net("tanh", "xavier"), tiny.X_train).size == 0  # no ReLU layers


def test_smooth_is_a_running_mean_that_survives_short_series():
    steps, mean = smooth([1, 2, 3, 4, 5], k=2)
    assert list(steps) == [2, 3, 4, 5] and np.allclose(mean, [1.5, 2.5, 3.5, 4.5])
    steps, mean = smooth([4.0, 2.0], k=10)
    assert list(steps) == [2] and np.allclose(mean, [3.0])
    assert smooth([], k=3)[1].size == 0


def _fake(acc, profile=(1.0, 0.5)):
    return BenchRun(
        net=None, profile=np.array(profile), loss=[2.0, 1.0], update=np.ones(2), acc=acc
    )


def test_describe_gives_the_median_the_range_and_how_many_diverged():
    text = describe("x", [_fake(0.8), _fake(float("nan")), _fake(0.9), _fake(0.7)])
    assert "test accuracy 0.80 (0.70 to 0.90)" in text and "1 of 4 diverged" in text and "2" in text
    assert "test accuracy -" in describe("x", [_fake(float("nan"))])


def test_before_after_draws_profiles_and_losses_and_says_which_diverged():
    fig = before_after({"good": _fake(0.9), "bad": _fake(float("nan"))}, title="T")
    left, right = fig.axes
    assert left.get_yscale() == "log" and right.get_yscale() == "log"
    labels = [t.get_text() for t in right.get_legend().get_texts()]
    assert labels == ["good (test accuracy 0.90)", "bad (diverged)"]
    assert fig._suptitle.get_text() == "T"


def test_the_bench_needs_only_the_core_and_matplotlib():
    import subprocess
    import sys

    code = "import sys, bplearn.plots.bench; print(' '.join(sorted(sys.modules)))"
    mods = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "ipywidgets" not in mods and "nbformat" not in mods
    assert not any(
        m.startswith(("bplearn.exercises", "bplearn.course", "bplearn.widgets")) for m in mods
    )


def test_the_bench_measures_without_matplotlib():
    """The claims sweep runs notebook 8's measurements with the core only."""
    import subprocess
    import sys

    code = "import sys, bplearn.experiments.remedies; print(' '.join(sorted(sys.modules)))"
    mods = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert not any(m.startswith(("matplotlib", "bplearn.plots")) for m in mods)
