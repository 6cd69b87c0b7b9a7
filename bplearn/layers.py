"""Layers: each forward sits right beside its backward.

Notation (the same in every notebook):
    X  (N, D_in)      a batch of N inputs
    W  (D_in, D_out)  weights,   b (D_out,) biases
    Z = X @ W + b     (N, D_out) pre-activations
    A = f(Z)          (N, D_out) activations
    dZ = dL/dZ, dW = dL/dW, ... the gradient of the loss L with respect to each symbol.

The functions are the maths, one formula each; the classes wrap them, cache for backward, accumulate
gradients.
"""

import numpy as np

from . import init as initializers
from .validate import check_int, check_positive, describe


def linear_forward(X, W, b):
    """Z = X @ W + b.   X (N, D_in), W (D_in, D_out), b (D_out,) -> Z (N, D_out)."""
    return X @ W + b


def linear_backward(dZ, X, W, need_dX=True):
    """Chain rule through Z = X @ W + b.   dZ (N, D_out) -> dX (N, D_in), dW (D_in, D_out), db
    (D_out,).

    dX = dZ @ W.T      each input feeds every output through W
    dW = X.T @ dZ      summed over the batch by the matrix product
    db = sum_n dZ[n]   b is added to every row, so its gradient sums over the batch
    need_dX=False skips dX (None): a first layer needs no gradient for the data, and it is a third
    of the cost.
    """
    return (dZ @ W.T if need_dX else None), X.T @ dZ, dZ.sum(axis=0)


def sigmoid(Z):
    """A = 1 / (1 + exp(-Z)), element-wise."""
    with np.errstate(over="ignore"):  # exp(-Z) = inf for Z << 0 gives the right limit, A = 0
        return 1.0 / (1.0 + np.exp(-Z))


def sigmoid_backward(dA, Z):
    """dZ = dA * s * (1 - s) with s = sigmoid(Z).  The factor s(1-s) is at most 0.25."""
    s = sigmoid(Z)
    return dA * s * (1.0 - s)


def tanh(Z):
    """A = tanh(Z), element-wise."""
    return np.tanh(Z)


def tanh_backward(dA, Z):
    """dZ = dA * (1 - tanh(Z)**2).  The factor is at most 1, at Z = 0."""
    return dA * (1.0 - np.tanh(Z) ** 2)


def relu(Z):
    """A = max(0, Z), element-wise."""
    return np.maximum(Z, 0)


def relu_backward(dA, Z):
    """dZ = dA * [Z > 0].  At Z == 0 we take the subgradient 0."""
    return dA * (Z > 0)


def leaky_relu(Z, alpha=0.01):
    """A = Z where Z > 0, else alpha * Z."""
    return np.where(Z > 0, Z, alpha * Z)


def leaky_relu_backward(dA, Z, alpha=0.01):
    """dZ = dA * (1 where Z > 0, else alpha)."""
    # (not dA * np.where(Z > 0, 1.0, alpha): that array is float64)
    return np.where(Z > 0, dA, alpha * dA)


def layer_norm(X, gamma, beta, eps=1e-5):
    """Y = gamma * X_hat + beta, X_hat = (X - mean) / sqrt(var + eps), mean and var of each row.

    X (N, D), gamma and beta (D,) -> Y (N, D).  var is the biased variance (divided by D), as in
    PyTorch.
    """
    mean = X.mean(axis=1, keepdims=True)
    X_hat = (X - mean) / np.sqrt(X.var(axis=1, keepdims=True) + eps)
    return gamma * X_hat + beta


def layer_norm_backward(dY, X, gamma, eps=1e-5):
    """Chain rule through layer_norm.   dY (N, D) -> dX (N, D), dgamma (D,), dbeta (D,).

    dX_hat = dY * gamma
    dX     = (dX_hat - mean(dX_hat) - X_hat * mean(dX_hat * X_hat)) / sqrt(var + eps)    (means over
    each row)
    Every entry of a row moves that row's mean and variance, hence the two correction terms.
    """
    inv_std = 1.0 / np.sqrt(X.var(axis=1, keepdims=True) + eps)
    X_hat = (X - X.mean(axis=1, keepdims=True)) * inv_std
    dX_hat = dY * gamma
    dX = inv_std * (
        dX_hat
        - dX_hat.mean(axis=1, keepdims=True)
        - X_hat * (dX_hat * X_hat).mean(axis=1, keepdims=True)
    )
    return dX, (dY * X_hat).sum(axis=0), dY.sum(axis=0)


class Parameter:
    """A trainable array ``value`` and the gradient of the loss with respect to it, ``grad`` (same
    shape)."""

    def __init__(self, value, name=""):
        self.value = value
        self.grad = np.zeros_like(value)
        self.name = name

    @property
    def shape(self):
        return self.value.shape

    def zero_grad(self):
        self.grad = np.zeros_like(self.value)

    def __repr__(self):
        return f"Parameter({self.name!r}, shape={self.value.shape}, dtype={self.value.dtype})"


class Layer:
    """Base class: ``forward(x)`` caches what ``backward(grad_out)`` needs; ``backward`` returns
    dL/dx."""

    takes_ids = False  # True for a layer whose input is integer token ids (Embedding)

    # the units of output A (from input Z) that pass almost no signal
    flat = staticmethod(lambda Z, A: A == 0)

    def named_parameters(self):
        """[(name, Parameter)]: the layer's Parameter attributes, in the order they were set ("W",
        "b")."""
        return [(name, p) for name, p in vars(self).items() if isinstance(p, Parameter)]

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    @property
    def name(self):
        return type(self).__name__

    def __repr__(self):
        return self.name

    def _input(self, X, dtype):
        """X (N, n_in) as it is; a sequence X (N, T, n_in) as N*T rows, one per position."""
        X = np.asarray(X)
        if X.ndim not in (2, 3) or X.shape[-1] != self.n_in:
            raise ValueError(
                f"{self.name} expects X of shape (N, {self.n_in}), got {describe(X)} (a sequence:"
                f" (N, T, {self.n_in}))"
            )
        self.in_shape = X.shape
        self.X = X.astype(dtype, copy=False).reshape(-1, self.n_in)
        return self.X

    def _cached(self, grad_out, attr):
        cached = getattr(self, attr, None)
        if cached is None:
            raise ValueError(
                f"{self.name}.backward was called before forward: run forward(...) first"
            )
        if np.shape(grad_out) != self.out_shape:
            raise ValueError(
                f"{self.name}.backward expects grad_out of shape {self.out_shape} "
                f"(the shape of its last output), got {describe(np.asarray(grad_out))}"
            )
        return cached


class Linear(Layer):
    """Z = X @ W + b.  X (N, n_in) -> Z (N, n_out), or X (N, T, n_in) -> Z (N, T, n_out).

    W from ``init`` (see init.get) with ``rng``, else ``seed``."""

    def __init__(self, n_in, n_out, init="xavier", seed=None, rng=None, dtype=np.float64):
        self.n_in, self.n_out = check_int(n_in, "Linear: n_in"), check_int(n_out, "Linear: n_out")
        rng = rng if rng is not None else np.random.default_rng(seed)
        W = np.asarray(initializers.get(init)(self.n_in, self.n_out, rng), dtype=dtype)
        if W.shape != (self.n_in, self.n_out):
            raise ValueError(
                f"Linear: init returned W of shape {W.shape}, expected {(self.n_in, self.n_out)}"
            )
        self.W = Parameter(W, "W")
        self.b = Parameter(np.zeros(self.n_out, dtype=dtype), "b")

    @property
    def name(self):
        return f"Linear({self.n_in}→{self.n_out})"

    def forward(self, X):
        X = self._input(X, self.W.value.dtype)
        self.out_shape = self.in_shape[:-1] + (self.n_out,)
        return linear_forward(X, self.W.value, self.b.value).reshape(self.out_shape)

    def backward(self, dZ, need_dX=True):
        X = self._cached(dZ, "X")
        dX, dW, db = linear_backward(np.reshape(dZ, (-1, self.n_out)), X, self.W.value, need_dX)
        self.W.grad += dW
        self.b.grad += db
        return None if dX is None else dX.reshape(self.in_shape)


class Activation(Layer):
    """A = f(Z) element-wise; backward applies dZ = dA * f'(Z).  Subclasses give ``f`` and
    ``f_backward``."""

    # f' jumps at Z = 0, where finite differences are unreliable (gradcheck warns there)
    kinked = False

    def forward(self, Z):
        self.Z = Z = np.asarray(Z)
        self.out_shape = Z.shape
        return self.f(Z)

    def backward(self, dA):
        return self.f_backward(dA, self._cached(dA, "Z"))


class Sigmoid(Activation):
    f, f_backward = staticmethod(sigmoid), staticmethod(sigmoid_backward)
    flat = staticmethod(lambda Z, A: (A < 0.01) | (A > 0.99))


class Tanh(Activation):
    f, f_backward = staticmethod(tanh), staticmethod(tanh_backward)
    flat = staticmethod(lambda Z, A: np.abs(A) > 0.99)


class ReLU(Activation):
    f, f_backward = staticmethod(relu), staticmethod(relu_backward)
    flat = staticmethod(lambda Z, A: Z <= 0)  # inactive: the output is 0 and so is the slope
    kinked = True


class LeakyReLU(Activation):
    flat = staticmethod(lambda Z, A: Z <= 0)  # the slope is alpha, small
    kinked = True

    def __init__(self, alpha=0.01):
        self.alpha = float(alpha)

    def f(self, Z):
        return leaky_relu(Z, self.alpha)

    def f_backward(self, dA, Z):
        return leaky_relu_backward(dA, Z, self.alpha)


class Identity(Activation):
    f = staticmethod(lambda Z: Z)
    f_backward = staticmethod(lambda dA, Z: dA)


class LayerNorm(Layer):
    """Y = layer_norm(X, gamma, beta) for X (N, n_features) or (N, T, n_features); gamma starts at 1
    and beta at 0, so Y = X_hat at first."""

    def __init__(self, n_features, eps=1e-5, dtype=np.float64):
        self.n_in = self.n_out = check_int(n_features, "LayerNorm: n_features")
        self.eps = check_positive(eps, "LayerNorm: eps")
        self.gamma = Parameter(np.ones(self.n_in, dtype=dtype), "gamma")
        self.beta = Parameter(np.zeros(self.n_in, dtype=dtype), "beta")

    @property
    def name(self):
        return f"LayerNorm({self.n_in})"

    def forward(self, X):
        X = self._input(X, self.gamma.value.dtype)
        self.out_shape = self.in_shape
        return layer_norm(X, self.gamma.value, self.beta.value, self.eps).reshape(self.out_shape)

    def backward(self, dY):
        X = self._cached(dY, "X")
        dX, dgamma, dbeta = layer_norm_backward(
            np.reshape(dY, X.shape), X, self.gamma.value, self.eps
        )
        self.gamma.grad += dgamma
        self.beta.grad += dbeta
        return dX.reshape(self.in_shape)


class Residual(Layer):
    """Y = X + F(X), where F is the given layers applied in order; F must keep X's shape.

    Backward: dX = dY (the skip path) + dY back-propagated through F's layers in reverse.
    One layer of its network: hooks see one event per block.
    """

    def __init__(self, *layers):
        if not layers:
            raise ValueError(
                "Residual: give at least one layer for F, e.g. Residual(Linear(8, 8), ReLU())"
            )
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"Residual: layer {i} must be a bplearn layer, got {describe(layer)}"
                )
        self.layers = list(layers)

    @property
    def name(self):
        return f"Residual({', '.join(layer.name for layer in self.layers)})"

    def named_parameters(self):
        return [
            (f"{i}.{name}", p)
            for i, layer in enumerate(self.layers)
            for name, p in layer.named_parameters()
        ]

    def forward(self, X):
        self.X = X = np.asarray(X)
        F = X
        for layer in self.layers:
            F = layer.forward(F)
        if F.shape != X.shape:
            raise ValueError(
                f"{self.name}: F(X) has shape {F.shape} but X has shape {X.shape}; "
                "Y = X + F(X) needs F to keep the shape"
            )
        self.out_shape = X.shape
        return X + F

    def backward(self, dY):
        self._cached(dY, "X")
        dF = dY
        for layer in reversed(self.layers):
            dF = layer.backward(dF)
        return dY + dF


ACTIVATIONS = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "identity": Identity,
}
