"""Networks: layers applied in order forward, and in reverse order backward.

A_0 = X,   A_i = layer_i(A_{i-1}),   Y_hat = A_L
dA_L = dL/dY_hat,   dA_{i-1} = layer_i.backward(dA_i)
"""

import numpy as np

from .hooks import Hookable
from .layers import ACTIVATIONS, Layer, Linear
from .validate import as_float_array, describe


class Sequential(Hookable):
    """Layers in order.  ``forward(X)``: X (N, D_in) -> Y_hat (N, D_out).  Hooks see every layer."""

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"Sequential: layer {i} must be a bplearn layer, got {describe(layer)}"
                )
        self.layers = list(layers)
        super().__init__()
        for name, p in self.named_parameters():
            p.name = name

    def forward(self, X, hooks=True):
        """Y_hat = layer_L(... layer_1(X)).  X (N, D_in) -> Y_hat (N, D_out); X (N, T, D_in)
        or token ids (N, T) -> (N, T, D_out).  A forward event per layer (hooks=False: none)."""
        if self.layers and self.layers[0].takes_ids:  # token ids (N, T): the layer checks them
            A = np.asarray(X)
        else:
            A = as_float_array(X, "X", ndim=(2, 3))
            params = self.parameters()
            if params:  # a float32 network computes in float32
                A = A.astype(params[0].value.dtype, copy=False)
        for i, layer in enumerate(self.layers):
            try:
                A_prev, A = A, layer.forward(A)
            except ValueError as error:  # the layer checks its input; say where it sits
                where = "" if i == 0 else f" (its X is the output of layer {i - 1})"
                raise ValueError(f"layer {i} of the network{where}: {error}") from None
            if hooks:
                self.emit("forward", i, layer.name, layer, input=A_prev, output=A)
        return A

    __call__ = forward

    def predict(self, X):
        """Forward without calling any hook (for evaluation)."""
        return self.forward(X, hooks=False)

    def backward(self, dY_hat, need_dX=True):
        """Back-propagate dL/dY_hat (N, D_out): adds to each parameter's .grad; returns dX (N, D_in)

        Sends a backward event per layer, output side first.  need_dX=False: the first layer
        returns None (with or without hooks: observing never changes the work done).
        """
        dA = np.asarray(dY_hat)
        for i in reversed(range(len(self.layers))):
            layer = self.layers[i]
            dA_out, dA = dA, layer.backward(dA, need_dX=need_dX or i > 0)
            grads = {"d" + name: p.grad for name, p in layer.named_parameters()}
            self.emit("backward", i, layer.name, layer, grad_output=dA_out, grad_input=dA, **grads)
        return dA

    def named_parameters(self):
        """[(name, Parameter)], layer by layer, named "<layer index>.<name>": "0.W", "0.b", ..."""
        return [
            (f"{i}.{name}", p)
            for i, layer in enumerate(self.layers)
            for name, p in layer.named_parameters()
        ]

    def parameters(self):
        """Every Parameter, layer by layer (W before b)."""
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self):
        for p in self.parameters():
            p.zero_grad()

    def linear_indices(self):
        return [i for i, layer in enumerate(self.layers) if isinstance(layer, Linear)]

    def __repr__(self):
        inner = ",\n".join(f"  ({i}) {layer.name}" for i, layer in enumerate(self.layers))
        return f"{type(self).__name__}(\n{inner}\n)"


def MLP(sizes, activation="relu", init="he", seed=0, dtype=np.float64):
    """A multi-layer perceptron: Linear, activation, ..., Linear (the output layer is linear).

    sizes: [D_in, hidden_1, ..., D_out].  One generator seeded by ``seed`` draws every W.
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"MLP: sizes must be at least two positive integers [D_in, ..., D_out], got {sizes!r}"
        )
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; choose one of {', '.join(map(repr, ACTIVATIONS))}"
        )
    rng = np.random.default_rng(seed)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(n_in, n_out, init=init, rng=rng, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return Sequential(*layers)
