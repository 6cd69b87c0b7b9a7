"""The training loop: forward, loss, backward, update, over minibatches and epochs."""
import sys
import time

import numpy as np

from .data import minibatches
from .hooks import steps
from .validate import as_float_array, check_labels, describe


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite.  ``step`` is the training step, ``history`` what was recorded before it."""

    def __init__(self, message, step, history):
        super().__init__(message)
        self.step, self.history = step, history


class History:
    """What ``fit`` recorded.  Per step: step_loss.  Per epoch: epoch_loss, train_acc, val_loss, val_acc.

    Accuracies are recorded for classification losses only (CrossEntropyLoss, BCEWithLogitsLoss).
    """

    def __init__(self):
        self.step_loss, self.epoch_loss, self.train_acc, self.val_loss, self.val_acc = [], [], [], [], []

    def __repr__(self):
        last = lambda xs: f"{xs[-1]:.4g}" if xs else "-"  # noqa: E731
        return (f"History({len(self.epoch_loss)} epochs, {len(self.step_loss)} steps, loss {last(self.epoch_loss)}, "
                f"train acc {last(self.train_acc)}, val loss {last(self.val_loss)}, val acc {last(self.val_acc)})")


def predict_labels(net, X):
    """Class predictions (N,): the largest logit, or logit > 0 for a single output column."""
    Z = net.predict(X)
    return (Z[:, 0] > 0).astype(np.int64) if Z.shape[1] == 1 else Z.argmax(axis=1)


def accuracy(net, X, y):
    """The fraction of examples whose predicted class equals the label y (N,)."""
    return float(np.mean(predict_labels(net, X) == np.asarray(y).reshape(-1)))


def fit(net, loss, optimizer, X, y, epochs=10, batch_size=32, shuffle=True, seed=0, hooks=(),
        progress=True, validation=None):
    """Train ``net`` for ``epochs`` passes over (X, y) in minibatches of ``batch_size``.  Returns a History.

    X (N, D_in); y: integer labels (N,) for classification losses, targets (N, D_out) otherwise.
    hooks: functions (or a Recorder) attached for the duration of training.
    validation: an optional (X_val, y_val) evaluated after every epoch.
    Stops with TrainingDiverged at the first step whose predictions or loss are not finite.
    """
    X = as_float_array(X, "X", ndim=2)
    y = _check_targets(net, loss, y, X.shape[0], "y")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"fit: {name} must be a positive integer, got {value!r}")
    if validation is not None:
        if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
            raise TypeError(f"fit: validation must be a pair (X_val, y_val), got {describe(validation)}")
        X_val = as_float_array(validation[0], "validation X", ndim=2)
        y_val = _check_targets(net, loss, validation[1], X_val.shape[0], "validation y")

    rng = np.random.default_rng(seed)
    history = History()
    bar = ProgressBar(epochs, enabled=progress)
    handles = [net.add_hook(h) for h in hooks]
    try:
        for epoch in range(epochs):
            total = 0.0
            for Xb, yb in minibatches(X, y, batch_size, shuffle=shuffle, rng=rng):
                value = _train_step(net, loss, optimizer, Xb, yb, len(history.step_loss), epoch, history)
                history.step_loss.append(value)
                total += value * len(Xb)
            history.epoch_loss.append(total / X.shape[0])
            if loss.classification:
                history.train_acc.append(accuracy(net, X, y))
            if validation is not None:
                history.val_loss.append(loss.forward(net.predict(X_val), y_val))
                if loss.classification:
                    history.val_acc.append(accuracy(net, X_val, y_val))
            bar.update(epoch + 1, history)
    finally:
        for handle in handles:
            handle.remove()
        bar.close()
    return history


def _train_step(net, loss, optimizer, Xb, yb, step, epoch, history):
    """One step through ``steps``, stopping before the update if the predictions or the loss are not finite."""
    last = len(net.layers) - 1
    with np.errstate(over="ignore", invalid="ignore"):
        for event in steps(net, loss, optimizer, Xb, yb, need_dX=net.has_hooks()):
            if event.stage == "forward" and event.index == last and not np.isfinite(event.data["output"]).all():
                _diverged("the network's output", step, epoch, optimizer, history)
            if event.stage == "loss":
                value = event.data["value"]
                if not np.isfinite(value):
                    _diverged(f"the loss ({value})", step, epoch, optimizer, history)
    return value


def _diverged(what, step, epoch, optimizer, history):
    lr = getattr(optimizer, "lr", None)
    hint = f" (now lr={lr:g}; try lr={lr / 10:g})" if lr else ""
    raise TrainingDiverged(
        f"Training diverged: {what} became NaN or infinite at step {step} (epoch {epoch + 1}).\n"
        f"Likely causes: a learning rate that is too high{hint}, or exploding gradients "
        f"(large initial weights, a deep network).\n"
        f"To try again: rebuild the network (its weights are now ruined), then lower the learning rate, "
        f"or clip gradients with clip_grad_norm, or use a normalised init ('xavier', 'he').",
        step, history)


def _check_targets(net, loss, y, n, name):
    """Integer labels for cross-entropy (one class per output column), float targets otherwise; one per example."""
    if type(loss).__name__ == "CrossEntropyLoss" and np.ndim(y) == 1:
        n_classes = next(layer.n_out for layer in reversed(net.layers) if hasattr(layer, "n_out"))
        y = check_labels(y, n_classes, name)
    else:
        y = as_float_array(y, name)
    if y.shape[0] != n:
        raise ValueError(f"fit: X has {n} examples but {name} has {y.shape[0]}; they must match")
    return y


class ProgressBar:
    """A one-line text progress bar that redraws itself with a carriage return (terminals and notebooks)."""

    def __init__(self, total, enabled=True, width=24, stream=None):
        self.total, self.enabled, self.width = total, enabled, width
        self.stream = stream or sys.stdout
        self.start = time.perf_counter()
        self._last_draw = 0.0

    def update(self, done, history):
        now = time.perf_counter()
        if not self.enabled or (done < self.total and now - self._last_draw < 0.1):
            return
        self._last_draw = now
        filled = int(self.width * done / self.total)
        text = f"\repoch {done}/{self.total} [{'#' * filled}{'.' * (self.width - filled)}] loss {history.epoch_loss[-1]:.4f}"
        if history.train_acc:
            text += f"  acc {history.train_acc[-1]:.3f}"
        if history.val_acc:
            text += f"  val acc {history.val_acc[-1]:.3f}"
        text += f"  {now - self.start:.1f}s"
        self.stream.write(text)
        self.stream.flush()

    def close(self):
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
