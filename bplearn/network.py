"""Networks: layers applied in order forward, and in reverse order backward.

    A_0 = X,   A_i = layer_i(A_{i-1}),   Y_hat = A_L
    dA_L = dL/dY_hat,   dA_{i-1} = layer_i.backward(dA_i)
"""
import numpy as np

from .hooks import Event, Hookable, drain, readonly
from .layers import Layer, Linear
from .layers import activation as make_activation
from .validate import as_float_array, describe


class Sequential(Hookable):
    """Layers in order.  ``forward(X)`` with X (N, D_in) returns Y_hat (N, D_out)."""

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential: layer {i} must be a bplearn layer, got {describe(layer)}")
        self.layers = list(layers)
        for i, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                p.name = f"{i}.{name}"
        self._hooks = []

    # ------------------------------------------------------------ forward and backward
    def forward_stages(self, X):
        """Forward through each layer, yielding a "forward" Event after each; returns Y_hat."""
        A = self._check_input(X)
        for i, layer in enumerate(self.layers):
            n_in = getattr(layer, "n_in", None)
            if n_in is not None and A.shape[1] != n_in:
                raise ValueError(f"layer {i}, {layer.name}, expects an input with {n_in} columns, got shape "
                                 f"{A.shape}" + (" (check X's columns)" if i == 0 else " from the layer before"))
            A_prev, A = A, layer.forward(A)
            yield Event("forward", i, layer.name, layer, readonly(input=A_prev, output=A))
        return A

    def backward_stages(self, dY_hat, need_dX=True):
        """Backward through the layers in reverse, yielding a "backward" Event after each; returns dX.

        need_dX=False lets a first Linear layer skip the gradient for the data X (returns None):
        training never needs it.
        """
        dA = np.asarray(dY_hat)
        for i in reversed(range(len(self.layers))):
            layer = self.layers[i]
            skip = i == 0 and not need_dX and isinstance(layer, Linear)
            dA_out, dA = dA, (layer.backward(dA, need_dX=False) if skip else layer.backward(dA))
            grads = {"d" + name: p.grad for name, p in layer.named_parameters()}
            yield Event("backward", i, layer.name, layer, readonly(grad_output=dA_out, grad_input=dA, **grads))
        return dA

    def forward(self, X):
        """Y_hat = layer_L(... layer_1(X)).  X (N, D_in) -> Y_hat (N, D_out).  Hooks see each layer."""
        return drain(self.emitting(self.forward_stages(X)))

    def backward(self, dY_hat, need_dX=True):
        """Back-propagate dL/dY_hat (N, D_out); accumulates every parameter's .grad and returns dX (N, D_in).

        Hooks see each layer.  need_dX=False skips the gradient for the data X and returns None.
        """
        return drain(self.emitting(self.backward_stages(dY_hat, need_dX)))

    def predict(self, X):
        """Forward without calling any hook (for evaluation)."""
        return drain(self.forward_stages(X))

    __call__ = forward

    def _check_input(self, X):
        X = as_float_array(X, "X", ndim=2)
        params = self.parameters()
        return X.astype(params[0].value.dtype, copy=False) if params else X

    # ------------------------------------------------------------ parameters
    def parameters(self):
        """Every Parameter, layer by layer (W before b)."""
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self):
        """[(name, Parameter)] with names such as "0.W" (the W of layer 0)."""
        return [(p.name, p) for p in self.parameters()]

    def zero_grad(self):
        for p in self.parameters():
            p.zero_grad()

    def linear_indices(self):
        """Indices of the Linear layers in ``layers``."""
        return [i for i, layer in enumerate(self.layers) if isinstance(layer, Linear)]

    def __repr__(self):
        inner = ",\n".join(f"  ({i}) {layer.name}" for i, layer in enumerate(self.layers))
        return f"{type(self).__name__}(\n{inner}\n)"


def MLP(sizes, activation="relu", init="he", seed=0, dtype=np.float64):
    """A multi-layer perceptron: Linear, activation, ..., Linear (the output layer is linear).

    sizes: [D_in, hidden_1, ..., D_out], at least two numbers.  Weights are drawn from one generator
    seeded by ``seed``, so the same arguments always give the same network.
    """
    sizes = list(sizes)
    if len(sizes) < 2 or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in sizes):
        raise ValueError(f"MLP: sizes must be at least two positive integers [D_in, ..., D_out], got {sizes!r}")
    rng = np.random.default_rng(seed)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(n_in, n_out, init=init, rng=rng, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(make_activation(activation))
    return Sequential(*layers)

