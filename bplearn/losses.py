"""Losses: a number that says how wrong the predictions are, and its gradient.

Averaged over the batch exactly as PyTorch's defaults: MSE over all entries, cross-entropy over
examples. Each class has ``forward(pred, target) -> float`` and ``backward() -> dL/dpred``.
"""

import numpy as np

from .layers import sigmoid
from .validate import as_float_array, check_labels, describe


def mse_loss(Y_hat, Y):
    """L = mean((Y_hat - Y)**2) over all entries."""
    return float(np.mean((Y_hat - Y) ** 2))


def mse_backward(Y_hat, Y):
    """dY_hat = 2 (Y_hat - Y) / (number of entries)."""
    return 2.0 * (Y_hat - Y) / Y_hat.size


def log_softmax(Z):
    """log P along the last axis, computed stably: Z - max - log(sum(exp(Z - max)))."""
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(Z):
    """P[n, c] = exp(Z[n, c]) / sum_k exp(Z[n, k]) (last axis).  Minus the row max: no overflow."""
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def cross_entropy_loss(Z, y):
    """L = -(1/N) sum_n log P[n, y_n], P = softmax(Z).  Z (N, C) logits, y (N,) integer labels."""
    N = Z.shape[0]
    return float(-log_softmax(Z)[np.arange(N), y].mean())


def cross_entropy_backward(Z, y):
    """dZ = (P - onehot(y)) / N: softmax and log-likelihood together have this simple gradient."""
    N = Z.shape[0]
    dZ = softmax(Z)
    dZ[np.arange(N), y] -= 1.0
    return dZ / N


def _pred_and_target(pred, target, pred_name, target_name):
    """Both as float arrays of one shape and dtype (target (N,) for pred (N, 1): a column)."""
    P = as_float_array(pred, pred_name)
    T = as_float_array(target, target_name).astype(P.dtype, copy=False)  # float32 nets stay float32
    if T.ndim == 1 and P.shape == (T.shape[0], 1):
        T = T[:, None]
    if P.shape != T.shape:
        raise ValueError(
            f"{pred_name} and {target_name} must have the same shape, got {P.shape} and {T.shape}"
        )
    return P, T


class Loss:
    """Base class: ``forward`` stores what ``backward`` needs."""

    classification = False  # the predictions are class scores (fit records accuracies)
    # the target may be integer class labels y (N,), one class per output column
    takes_labels = False
    _cache = None

    def __call__(self, pred, target):
        return self.forward(pred, target)

    def _check_backward(self):
        if self._cache is None:
            raise ValueError(
                f"{type(self).__name__}.backward was called before forward: compute the loss first"
            )
        return self._cache

    def __repr__(self):
        return f"{type(self).__name__}()"


class MSELoss(Loss):
    """Mean squared error.  pred (N, D) and target (N, D), or target (N,) when D == 1."""

    def forward(self, pred, target):
        Y_hat, Y = _pred_and_target(pred, target, "pred (Y_hat)", "target (Y)")
        self._cache = (Y_hat, Y)
        return mse_loss(Y_hat, Y)

    def backward(self):
        return mse_backward(*self._check_backward())


class CrossEntropyLoss(Loss):
    """Softmax + negative log-likelihood, fused and stable for logits of +-1000.

    pred: logits Z (N, C).  target: integer labels y (N,) in 0..C-1, or one-hot/probability rows T.
    A sequence, Z (N, T, C) and y (N, T) (or T (N, T, C)): the mean over all N*T positions.
    """

    classification = takes_labels = True

    def forward(self, pred, target):
        Z = as_float_array(pred, "pred (logits Z)", ndim=(2, 3))
        target = np.asarray(target)
        self.shape = Z.shape
        if Z.ndim == 3:  # every position of every sequence is a row
            if target.shape[:2] != Z.shape[:2]:
                raise ValueError(
                    f"target (labels y) must have shape (N, T) = {Z.shape[:2]} for logits Z of"
                    f" shape {Z.shape}, got {describe(target)}"
                )
            Z, target = Z.reshape(-1, Z.shape[2]), target.reshape(-1, *target.shape[2:])
        # one-hot or probability rows: L = -(1/N) sum_n sum_c T[n, c] log P[n, c]
        if target.ndim == 2:
            Z, T = _pred_and_target(Z, target, "pred (logits Z)", "target (one-hot T)")
            if (T < 0).any() or not np.allclose(T.sum(axis=1), 1.0):
                raise ValueError(
                    "target (one-hot T) rows must be probabilities: non-negative and summing to 1"
                )
            self._cache = (Z, T)
            return float(-(T * log_softmax(Z)).sum(axis=1).mean())
        y = check_labels(target, Z.shape[1], "target (labels y)")
        if y.shape[0] != Z.shape[0]:
            raise ValueError(
                f"pred (logits Z) has {Z.shape[0]} rows but target (labels y) has {y.shape[0]}"
                " labels"
            )
        self._cache = (Z, y)
        return cross_entropy_loss(Z, y)

    def backward(self):
        Z, target = self._check_backward()
        if target.ndim == 2:
            return ((softmax(Z) - target) / Z.shape[0]).reshape(self.shape)
        return cross_entropy_backward(Z, target).reshape(self.shape)


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on logits z (N, 1) or (N,) with targets t in [0, 1] of the same shape.

    L = mean(max(z, 0) - z t + log(1 + exp(-|z|))), stable form of -t log s(z) - (1-t) log(1-s(z)).
    """

    classification = True

    def forward(self, pred, target):
        z, t = _pred_and_target(pred, target, "pred (logits z)", "target (t)")
        if (t < 0).any() or (t > 1).any():
            raise ValueError(
                f"target (t) must be in [0, 1], got values from {t.min()} to {t.max()}"
            )
        self._cache = (z, t)
        return float(np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))))

    def backward(self):
        z, t = self._check_backward()
        return (sigmoid(z) - t) / z.size
