"""Layers: each forward sits right beside its backward.

Notation (the same in every notebook):
    X  (N, D_in)      a batch of N inputs
    W  (D_in, D_out)  weights,   b (D_out,) biases
    Z = X @ W + b     (N, D_out) pre-activations
    A = f(Z)          (N, D_out) activations
    dZ = dL/dZ, dW = dL/dW, ... the gradient of the loss L with respect to each symbol.

The functions are the maths, one formula each; classes wrap them, cache for backward, sum gradients.
"""

import inspect
from dataclasses import dataclass

import numpy as np

from . import init as initializers
from .validate import check_int, check_positive, describe


def linear_forward(X, W, b):
    """Z = X @ W + b.   X (N, D_in), W (D_in, D_out), b (D_out,) -> Z (N, D_out)."""
    return X @ W + b


def linear_backward(dZ, X, W, need_dX=True):
    """Chain rule through Z = X @ W + b: dZ (N, D_out) -> dX (N, D_in), dW (D_in, D_out), db (D_out)

    dX = dZ @ W.T      each input feeds every output through W
    dW = X.T @ dZ      summed over the batch by the matrix product
    db = sum_n dZ[n]   b is added to every row, so its gradient sums over the batch
    need_dX=False skips dX (None), a third of the cost: a first layer needs no gradient for X.
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

    X (N, D), gamma and beta (D,) -> Y (N, D).  var is the biased variance (over D), as in PyTorch.
    """
    mean = X.mean(axis=1, keepdims=True)
    X_hat = (X - mean) / np.sqrt(X.var(axis=1, keepdims=True) + eps)
    return gamma * X_hat + beta


def layer_norm_backward(dY, X, gamma, eps=1e-5):
    """Chain rule through layer_norm.   dY (N, D) -> dX (N, D), dgamma (D,), dbeta (D,).

    dX_hat = dY * gamma
    dX     = (dX_hat - mean(dX_hat) - X_hat * mean(dX_hat * X_hat)) / sqrt(var + eps), means over
    each row: every entry of a row moves that row's mean and variance, hence the two corrections.
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
    """A trainable array ``value`` and the gradient of the loss with respect to it, ``grad``."""

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


@dataclass(frozen=True)
class Description:
    """What a layer is, for the teaching layer (step-through, diagram), in the notation table.

    forward, backward  its equations: "Z = X @ W + b", "dW = X.T @ dZ ... dX = dZ @ W.T"
    inputs, outputs    the symbols of the array it takes and the one it returns ("X", "Z");
                       backward takes d<outputs> (dZ) and returns d<inputs> (dX)
    params             its parameters' names as named_parameters() gives them, () if none ("W", "b")
    parts              a composite layer's inner layers' Descriptions, in order (Residual's F)
    edges              the parameter (D_in, D_out) joining every input unit to every output unit,
                       drawn as a diagram's edges ("W" for Linear), or ""
    """

    forward: str
    backward: str
    inputs: str = "X"
    outputs: str = "Y"
    params: tuple = ()
    parts: tuple = ()
    edges: str = ""


class Layer:
    """Base class of every layer.  A new layer provides:

    forward(X)        caches what backward needs, sets ``self.out_shape``, returns Y; a layer with
                      a fixed input width sets ``n_in`` and starts with ``self._input(X, dtype)``
    backward(dY, need_dX=True)   adds each dL/dp to its Parameter's ``.grad``, returns dX (None if
                      not need_dX: the first layer of a net is asked for no gradient of the data)
    Parameters        as attributes (``named_parameters`` finds them), or it overrides that method
    describe()        its Description, which the teaching layer draws (never the layer's type)
    name              (optional) a property, e.g. "Linear(2→3)"; the class name otherwise
    """

    # the units of output A (from input Z) that pass almost no signal
    flat = staticmethod(lambda Z, A: A == 0)
    # f' jumps at Z = 0, where finite differences are unreliable (gradcheck warns there)
    kinked = False
    takes_ids = False  # its input is integer token ids (Embedding), not numbers

    def __init_subclass__(cls):
        """A backward(dY) written without need_dX (as in the notebooks) is always asked for dX."""
        backward = cls.__dict__.get("backward")
        if backward and "need_dX" not in inspect.signature(backward).parameters:
            cls.backward = lambda self, dY, need_dX=True: backward(self, dY)

    def describe(self):
        """A Description (override it: this default knows only the names)."""
        params = tuple(name for name, _ in self.named_parameters())
        return Description(f"Y = {self.name}(X)", "dX = dL/dX, back through it", params=params)

    def named_parameters(self):
        """[(name, Parameter)]: its Parameter attributes, in the order they were set ("W", "b")."""
        return [(name, p) for name, p in vars(self).items() if isinstance(p, Parameter)]

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    @property
    def name(self):
        return type(self).__name__

    def __repr__(self):
        return self.name

    def _input(self, X, dtype):
        X = np.asarray(X)
        if X.ndim not in (2, 3) or X.shape[-1] != self.n_in:
            raise ValueError(f"{self.name} expects X of shape (N, {self.n_in}), got {describe(X)}")
        self.in_shape = self.out_shape = X.shape
        self.X = X.astype(dtype, copy=False).reshape(-1, self.n_in)  # (N, T, n_in): N*T rows
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
    """Z = X @ W + b: X (N, n_in) -> Z (N, n_out), or (N, T, ...).  W from ``init`` and rng/seed"""

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

    def describe(self):
        backward = "dW = X.T @ dZ     db = sum over the batch of dZ     dX = dZ @ W.T"
        return Description("Z = X @ W + b", backward, "X", "Z", ("W", "b"), edges="W")

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
    """A = f(Z) element-wise; backward: dZ = dA * f'(Z).  Subclasses give ``f``, ``f_backward``."""

    def describe(self):
        f = next((key for key, cls in ACTIVATIONS.items() if type(self) is cls), self.name.lower())
        return Description(f"A = f(Z),  f = {f}", f"dZ = dA * f′(Z),  f = {f}", "Z", "A")

    def forward(self, Z):
        self.Z = Z = np.asarray(Z)
        self.out_shape = Z.shape
        return self.f(Z)

    def backward(self, dA, need_dX=True):
        Z = self._cached(dA, "Z")
        return self.f_backward(dA, Z) if need_dX else None


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
    """Y = layer_norm(X, gamma, beta), X (N, n_features) or (N, T, ...); gamma starts 1, beta 0"""

    def __init__(self, n_features, eps=1e-5, dtype=np.float64):
        self.n_in = self.n_out = check_int(n_features, "LayerNorm: n_features")
        self.eps = check_positive(eps, "LayerNorm: eps")
        self.gamma = Parameter(np.ones(self.n_in, dtype=dtype), "gamma")
        self.beta = Parameter(np.zeros(self.n_in, dtype=dtype), "beta")

    @property
    def name(self):
        return f"LayerNorm({self.n_in})"

    def describe(self):
        forward = "Y = gamma * X_hat + beta,  X_hat = (X − mean) / sqrt(var + eps), per row"
        backward = (
            "dgamma = sum over the batch of dY * X_hat     dbeta = sum over the batch of dY\n"
            "dX = (dX_hat − mean(dX_hat) − X_hat * mean(dX_hat * X_hat)) / sqrt(var + eps),"
            "  dX_hat = dY * gamma"
        )
        return Description(forward, backward, "X", "Y", ("gamma", "beta"))

    def forward(self, X):
        X = self._input(X, self.gamma.value.dtype)
        return layer_norm(X, self.gamma.value, self.beta.value, self.eps).reshape(self.out_shape)

    def backward(self, dY, need_dX=True):
        X = self._cached(dY, "X")
        dX, dgamma, dbeta = layer_norm_backward(dY.reshape(X.shape), X, self.gamma.value, self.eps)
        self.gamma.grad += dgamma
        self.beta.grad += dbeta
        return dX.reshape(self.in_shape) if need_dX else None


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

    def describe(self):
        forward = "Y = X + F(X),  F = " + " → ".join(layer.name for layer in self.layers)
        backward = "dX = dY + (dF/dX)ᵀ dY     (the skip path adds dY; F's layers take dY back)"
        parts = tuple(layer.describe() for layer in self.layers)
        params = tuple(name for name, _ in self.named_parameters())
        return Description(forward, backward, "X", "Y", params, parts)

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

    def backward(self, dY, need_dX=True):
        self._cached(dY, "X")
        dF = dY
        for i in reversed(range(len(self.layers))):  # F's first layer gives dX only if needed
            dF = self.layers[i].backward(dF, need_dX=need_dX or i > 0)
        return dY + dF if need_dX else None


ACTIVATIONS = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "identity": Identity,
}
