import numpy as np
import pytest
from drawn import labelled

import bplearn as bp
from bplearn import plots


def test_decision_boundary_draws_one_marker_style_per_class_and_the_boundary(spirals):
    X, y = spirals
    net = bp.MLP([2, 8, 2], seed=0)
    ax = plots.decision_boundary(net, X, y)
    scatters = [
        c for c in ax.collections if c.get_offsets().shape[0] in (np.sum(y == 0), np.sum(y == 1))
    ]
    assert len(scatters) == 2
    assert (
        scatters[0].get_paths()[0] != scatters[1].get_paths()[0]
    )  # different markers, not only colours
    assert labelled(ax) and "accuracy" in ax.get_title()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]


def test_decision_boundary_accepts_a_function_and_a_single_logit():
    X = np.array([[-1.0, 0.0], [1.0, 0.0], [-2.0, 1.0], [2.0, -1.0]])
    y = np.array([0, 1, 0, 1])
    ax = plots.decision_boundary(lambda G: G[:, :1], X, y)
    assert "100%" in ax.get_title()


def test_decision_boundary_rejects_inputs_that_are_not_two_dimensional():
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        plots.decision_boundary(lambda G: G, np.zeros((5, 3)), np.zeros(5, dtype=int))


def test_boundary_evolution_trains_and_draws_one_titled_panel_per_step(spirals):
    X, y = spirals
    net = bp.MLP([2, 16, 2], seed=0)
    fig = plots.boundary_evolution(
        net,
        bp.CrossEntropyLoss(),
        bp.Adam(net.parameters(), lr=0.05),
        X,
        y,
        at_steps=(0, 5, 30),
        resolution=40,
    )
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().split(":")[0] for ax in panels] == ["step 0", "step 5", "step 30"]
    assert fig.get_suptitle()
