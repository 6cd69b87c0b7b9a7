import numpy as np
from drawn import labelled, visible_lines

import bplearn as bp
from bplearn import plots


def test_layer_gradient_norms_match_the_norm_of_each_linear_layers_dW(spirals):
    X, y = spirals
    net = bp.MLP([2, 8, 8, 2], activation="tanh", seed=0)
    norms = plots.layer_gradient_norms(net, bp.CrossEntropyLoss(), X, y)
    expected = [np.linalg.norm(net.layers[i].W.grad) for i in net.linear_indices()]
    assert np.allclose(norms, expected)


def test_probe_leaves_the_weights_unchanged_and_removes_its_hook(spirals):
    X, y = spirals
    net = bp.MLP([2, 8, 2], seed=0)
    before = [p.value.copy() for p in net.parameters()]
    rec = plots.probe(net, bp.CrossEntropyLoss(), X, y)
    assert all(np.array_equal(a, p.value) for a, p in zip(before, net.parameters()))
    assert net._hooks == [] and set(rec.last_activations) == {1}


def test_compare_gradient_norms_draws_one_line_per_configuration_on_a_log_axis(spirals):
    X, y = spirals
    ax = plots.compare_gradient_norms(X, y, depth=6, width=16)
    lines = visible_lines(ax)
    assert len(lines) == 3 and all(len(l.get_xdata()) == 7 for l in lines)
    assert ax.get_yscale() == "log" and labelled(ax)
    assert len({(l.get_linestyle(), l.get_marker()) for l in lines}) == 3  # not colour alone


def test_sigmoid_with_large_normal_weights_has_vanishing_gradients_towards_the_input(spirals):
    X, y = spirals
    net = bp.MLP([2] + [32] * 8 + [2], activation="sigmoid", init=bp.init.normal(1.0), seed=0)
    norms = plots.layer_gradient_norms(net, bp.CrossEntropyLoss(), X, y)
    assert norms[0] < norms[-1] / 10


def test_learning_speed_draws_one_line_per_layer_against_the_step_on_a_log_axis(spirals):
    X, y = spirals
    net = bp.MLP([2, 8, 8, 8, 2], activation="sigmoid", seed=0)
    rec = bp.Recorder()
    bp.fit(
        net,
        bp.CrossEntropyLoss(),
        bp.SGD(net.parameters(), lr=0.1),
        X,
        y,
        epochs=2,
        batch_size=64,
        progress=False,
        hooks=[rec],
    )
    ax = plots.learning_speed(rec)
    lines = [l for l in ax.get_lines() if l.get_label().startswith("layer")]
    assert len(lines) == 4 and all(len(l.get_xdata()) == 4 for l in lines)
    assert ax.get_yscale() == "log" and labelled(ax)


def test_learning_speed_shows_at_most_max_layers_including_first_and_last():
    series = {f"{2 * i}: Linear(8→8)": np.geomspace(1, 2, 5) * (i + 1) for i in range(20)}
    ax = plots.learning_speed(series, max_layers=5)
    labels = [l.get_label() for l in ax.get_lines()]
    assert (
        len(labels) == 5 and labels[0].startswith("layer 1:") and labels[-1].startswith("layer 20:")
    )


def test_compare_histograms_has_activation_and_gradient_panels_for_each_initialisation(spirals):
    X, y = spirals
    fig = plots.compare_histograms(
        X, y, depth=6, width=16, activation="tanh", inits=("normal", "xavier")
    )
    axes = fig.axes
    assert len(axes) == 4
    top, bottom = axes[:2], axes[2:]
    assert all(ax.get_xscale() == "linear" for ax in top)
    assert all(ax.get_xscale() == "log" for ax in bottom)
    assert all(len(visible_lines(ax)) == 5 and labelled(ax) for ax in axes)
    assert "normal" in top[0].get_title() and "xavier" in top[1].get_title()


def test_step_histogram_fractions_sum_to_one():
    x, y = plots.gradients.step_histogram(np.arange(10.0), np.linspace(0, 10, 6))
    assert np.isclose(y[::2].sum(), 1.0) and len(x) == len(y) == 10
