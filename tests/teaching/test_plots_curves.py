import numpy as np
import pytest
from drawn import labelled

import bplearn as bp
from bplearn import plots


def _history(epochs=3, steps_per_epoch=4, spread=1.0):
    h = bp.History()
    h.step_loss = list(np.geomspace(2.0, 2.0 / spread, epochs * steps_per_epoch))
    h.epoch_loss = list(np.geomspace(2.0, 2.0 / spread, epochs))
    h.val_loss = list(np.geomspace(2.5, 2.5 / spread, epochs))
    h.train_acc = [0.5, 0.7, 0.9][:epochs]
    h.val_acc = [0.4, 0.6, 0.8][:epochs]
    return h


def test_loss_curves_draws_step_epoch_and_validation_lines_with_a_legend():
    ax = plots.loss_curves(_history())
    labels = [l.get_label() for l in ax.get_lines()]
    assert len(ax.get_lines()) == 3
    assert any("each step" in s for s in labels) and any("validation" in s for s in labels)
    assert labelled(ax) and ax.get_legend() is not None


def test_loss_curves_puts_epoch_points_at_the_step_that_ends_each_epoch():
    ax = plots.loss_curves(_history(epochs=3, steps_per_epoch=4))
    epoch_line = [l for l in ax.get_lines() if "epoch mean" in l.get_label()][0]
    assert list(epoch_line.get_xdata()) == [4, 8, 12]


def test_loss_curves_uses_a_log_axis_only_when_losses_span_orders_of_magnitude():
    assert plots.loss_curves(_history(spread=1000.0)).get_yscale() == "log"
    assert plots.loss_curves(_history(spread=2.0)).get_yscale() == "linear"
    assert plots.loss_curves(_history(spread=2.0), log=True).get_yscale() == "log"


def test_loss_curves_draws_into_a_given_axes_and_reads_a_real_fit_history(spirals):
    import matplotlib.pyplot as plt

    X, y = spirals
    net = bp.MLP([2, 8, 2], seed=0)
    h = bp.fit(
        net,
        bp.CrossEntropyLoss(),
        bp.Adam(net.parameters(), lr=0.01),
        X,
        y,
        epochs=2,
        batch_size=32,
        progress=False,
    )
    fig, ax = plt.subplots()
    assert plots.loss_curves(h, ax=ax) is ax
    assert len(ax.get_lines()) == 2  # no validation data: steps and epochs


def test_loss_curves_with_an_empty_history_says_to_train_first():
    with pytest.raises(ValueError, match="fit"):
        plots.loss_curves(bp.History())


def test_accuracy_curves_draws_train_and_validation_between_0_and_1():
    ax = plots.accuracy_curves(_history())
    assert len(ax.get_lines()) == 2
    lo, hi = ax.get_ylim()
    assert lo <= 0 and hi >= 1 and labelled(ax)
