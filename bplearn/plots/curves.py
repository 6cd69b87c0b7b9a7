"""Training curves from a ``History`` (what ``fit`` returns).

loss_curves(history)        # per-step loss, per-epoch train and validation loss; log axis when
it helps
accuracy_curves(history)    # per-epoch train and validation accuracy
"""

import numpy as np

from .style import new_axes, series_style, spans_orders_of_magnitude


def _get(history, name):
    value = history.get(name, []) if isinstance(history, dict) else getattr(history, name, [])
    return np.asarray([np.nan if v is None else v for v in value or []], dtype=float)


def loss_curves(history, ax=None, log="auto", title=None):
    """Loss against training step: every step (thin), each epoch's mean (markers), validation
    (dashed).

    history: a bplearn History or a dict with the same keys (step_loss, epoch_loss, val_loss).
    log: True, False or "auto" (a log y axis when the values span more than a factor of 30).
    Epoch values are drawn at the step that ends the epoch.  Returns the axes.
    """
    step_loss, epoch_loss, val_loss = (
        _get(history, k) for k in ("step_loss", "epoch_loss", "val_loss")
    )
    if step_loss.size == 0 and epoch_loss.size == 0:
        raise ValueError("loss_curves: the history has no losses yet (train with fit(...) first)")
    fig, ax = new_axes(ax)
    n_epochs = max(epoch_loss.size, val_loss.size)
    per_epoch = step_loss.size / n_epochs if (n_epochs and step_loss.size) else 1.0
    epoch_x = per_epoch * np.arange(1, n_epochs + 1)
    if step_loss.size:
        st = series_style(0)
        ax.plot(
            np.arange(1, step_loss.size + 1),
            step_loss,
            color=st["color"],
            linestyle="-",
            linewidth=0.8,
            alpha=0.55,
            label="train loss (each step)",
        )
    if epoch_loss.size:
        ax.plot(
            epoch_x[: epoch_loss.size],
            epoch_loss,
            **series_style(0),
            markersize=5,
            markevery=max(1, epoch_loss.size // 20),
            label="train loss (epoch mean)",
        )
    if val_loss.size:
        ax.plot(
            epoch_x[: val_loss.size],
            val_loss,
            **series_style(1),
            markersize=5,
            markevery=max(1, val_loss.size // 20),
            label="validation loss (end of epoch)",
        )
    values = np.concatenate([step_loss, epoch_loss, val_loss])
    if log is True or (log == "auto" and spans_orders_of_magnitude(values)):
        ax.set_yscale("log")
        ax.set_ylabel("loss (log scale)")
    else:
        ax.set_ylabel("loss")
    ax.set_xlabel("training step" if step_loss.size else "epoch")
    ax.set_title(title or "Loss during training")
    ax.legend()
    ax.grid(True, which="major", alpha=0.3)
    return ax


def accuracy_curves(history, ax=None, title=None):
    """Train and validation accuracy per epoch (0 to 1).  Returns the axes."""
    train_acc, val_acc = _get(history, "train_acc"), _get(history, "val_acc")
    if train_acc.size == 0 and val_acc.size == 0:
        raise ValueError(
            "accuracy_curves: the history has no accuracies (they are recorded for "
            "classification losses only)"
        )
    fig, ax = new_axes(ax)
    if train_acc.size:
        ax.plot(
            np.arange(1, train_acc.size + 1),
            train_acc,
            **series_style(0),
            markevery=max(1, train_acc.size // 20),
            label="train accuracy",
        )
    if val_acc.size:
        ax.plot(
            np.arange(1, val_acc.size + 1),
            val_acc,
            **series_style(1),
            markevery=max(1, val_acc.size // 20),
            label="validation accuracy",
        )
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy (fraction correct)")
    ax.set_title(title or "Accuracy during training")
    ax.legend()
    ax.grid(True, alpha=0.3)
    return ax
