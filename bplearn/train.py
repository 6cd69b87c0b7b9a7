"""Training: one step (train_step: forward, loss, backward, update), the same step event by event
(steps), and the loop over epochs of minibatches (fit)."""

import numpy as np

from .data import minibatches
from .validate import as_float_array, check_int, check_labels, describe


class TrainingDiverged(FloatingPointError):
    """The network's output or the loss (``what``) became NaN or infinite.  From ``fit``, ``step``
    is the training step and ``history`` what was recorded before it."""

    def __init__(self, what, lr=None, step=None, epoch=None, history=None):
        self.what, self.lr, self.step, self.history = what, lr, step, history
        where = "" if step is None else f" at step {step} (epoch {epoch + 1})"
        hint = f" (now lr={lr:g}; try lr={lr / 10:g})" if lr else ""
        super().__init__(
            f"Training diverged: {what} became NaN or infinite{where}.\nLikely causes: a learning"
            f" rate that is too high{hint}, or exploding gradients (large initial weights, a deep"
            " network).\nTo try again: rebuild the network (its weights are now ruined), then"
            " lower the learning rate, or clip gradients with clip_grad_norm, or use a normalised"
            " init ('xavier', 'he')."
        )


def train_step(net, loss, optimizer, X, y):
    """One training step on the batch (X, y): forward, loss, backward, update.  Returns the loss.

    Hooks see every stage.  A NaN or infinite output or loss stops the step before any update
    (TrainingDiverged).
    """
    value = _forward_backward(net, loss, optimizer, X, y)
    _update(net, optimizer)
    return value


def steps(net, loss, optimizer, X, y):
    """The same training step as ``train_step``, stage by stage: yields its Events in order.

    Each half of the step (forward-loss-backward, then the update) runs, then its events are
    yielded; they also reach the net's hooks.  Stopping before the first update event leaves every
    parameter as it was.
    """
    events = []
    with net.add_hook(events.append):
        _forward_backward(net, loss, optimizer, X, y)
    yield from events
    events = []
    with net.add_hook(events.append):
        _update(net, optimizer)
    yield from events


def _forward_backward(net, loss, optimizer, X, y):
    """The first half of a step: zero the gradients, forward, loss (event), backward.  The loss."""
    optimizer.zero_grad()
    with np.errstate(over="ignore", invalid="ignore"):
        Y_hat = net.forward(X)
    if not np.isfinite(Y_hat).all():
        raise TrainingDiverged("the network's output", getattr(optimizer, "lr", None))
    value = loss.forward(Y_hat, y)
    if not np.isfinite(value):
        raise TrainingDiverged(f"the loss ({value})", getattr(optimizer, "lr", None))
    dY_hat = loss.backward()
    net.emit("loss", None, "loss", None, value=value, pred=Y_hat, grad=dY_hat)
    net.backward(dY_hat, need_dX=False)
    return value


def _update(net, optimizer):
    """The second half of a step: ``optimizer.step()``, then an "update" event per parameter."""
    # the update rules return new arrays: these stay as they were
    old = [p.value for p in optimizer.params]
    optimizer.step()
    if net.has_hooks():
        layer_of = {id(p): i for i, layer in enumerate(net.layers) for p in layer.parameters()}
        for p, w in zip(optimizer.params, old):
            net.emit(
                "update",
                layer_of.get(id(p)),
                p.name,
                p,
                old=w,
                step=p.value - w,
                new=p.value,
                grad=p.grad,
            )


class History:
    """What ``fit`` recorded.  Per step: step_loss.  Per epoch: epoch_loss, train_acc, val_loss,
    val_acc (accuracies for classification losses only)."""

    def __init__(self):
        self.step_loss, self.epoch_loss, self.train_acc = [], [], []
        self.val_loss, self.val_acc = [], []

    def __repr__(self):
        last = lambda xs: f"{xs[-1]:.4g}" if xs else "-"  # noqa: E731
        return (
            f"History({len(self.epoch_loss)} epochs, {len(self.step_loss)} steps, loss"
            f" {last(self.epoch_loss)}, train acc {last(self.train_acc)}, val loss"
            f" {last(self.val_loss)}, val acc {last(self.val_acc)})"
        )


def predict_labels(net, X):
    """Class predictions (N,): the largest logit, or logit > 0 for a single output column."""
    Z = net.predict(X)
    return (Z[:, 0] > 0).astype(np.int64) if Z.shape[1] == 1 else Z.argmax(axis=1)


def accuracy(net, X, y):
    """The fraction of examples whose predicted class equals the label y (N,)."""
    return float(np.mean(predict_labels(net, X) == np.asarray(y).reshape(-1)))


def fit(
    net,
    loss,
    optimizer,
    X,
    y,
    epochs=10,
    batch_size=32,
    shuffle=True,
    seed=0,
    hooks=(),
    progress=True,
    validation=None,
):
    """Train ``net`` for ``epochs`` passes over (X, y) in minibatches of ``batch_size``.  Returns a
    History.

    X (N, D_in); y: integer labels (N,) for a loss that takes labels, targets (N, D_out) otherwise.
    hooks: functions (or a Recorder) attached while training.  progress: a tqdm bar (a widget in
    Jupyter).
    validation: an optional (X_val, y_val) evaluated after every epoch.
    """
    X = as_float_array(X, "X", ndim=2)
    y = _check_targets(net, loss, X, y, "y")
    epochs, batch_size = check_int(epochs, "fit: epochs"), check_int(batch_size, "fit: batch_size")
    if validation is not None:
        if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
            raise TypeError(
                f"fit: validation must be a pair (X_val, y_val), got {describe(validation)}"
            )
        X_val = as_float_array(validation[0], "validation X", ndim=2)
        y_val = _check_targets(net, loss, X_val, validation[1], "validation y")

    rng = np.random.default_rng(seed)
    history = History()
    bar = None
    if progress:  # tqdm is imported only here, so that `import bplearn` stays light
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, desc="epoch", unit="epoch")
    handles = [net.add_hook(h) for h in hooks]
    try:
        for epoch in range(epochs):
            total = 0.0
            for Xb, yb in minibatches(X, y, batch_size, shuffle=shuffle, rng=rng):
                try:
                    value = train_step(net, loss, optimizer, Xb, yb)
                except TrainingDiverged as err:
                    raise TrainingDiverged(
                        err.what, err.lr, len(history.step_loss), epoch, history
                    ) from None
                history.step_loss.append(value)
                total += value * len(Xb)
            history.epoch_loss.append(total / X.shape[0])
            if loss.classification:
                history.train_acc.append(accuracy(net, X, y))
            if validation is not None:
                history.val_loss.append(loss.forward(net.predict(X_val), y_val))
                if loss.classification:
                    history.val_acc.append(accuracy(net, X_val, y_val))
            if bar is not None:
                shown = {
                    "loss": history.epoch_loss,
                    "acc": history.train_acc,
                    "val acc": history.val_acc,
                }
                bar.set_postfix({k: f"{v[-1]:.4f}" for k, v in shown.items() if v}, refresh=False)
                bar.update(1)
    finally:
        for handle in handles:
            handle.remove()
        if bar is not None:
            bar.close()
    return history


def _check_targets(net, loss, X, y, name):
    """Integer labels for a loss that takes them (a class per output column), else float targets."""
    if loss.takes_labels and np.ndim(y) == 1:
        y = check_labels(y, net.predict(X[:1]).shape[1], name)
    else:
        y = as_float_array(y, name)
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"fit: X has {X.shape[0]} examples but {name} has {y.shape[0]}; they must match"
        )
    return y
