"""Recording what happens in a network, layer by layer, for plots: a hook and a one-batch probe."""

import numpy as np

from .optim import global_norm

STATS = ("act_mean", "act_std", "saturation", "grad_norm", "update_ratio")


def weight_matrices(layer):
    """The layer's weight matrices, its 2-D parameters: one for Linear, those in a Residual's F."""
    return [p for p in layer.parameters() if p.value.ndim == 2]


class Recorder:
    """A ready hook that keeps per-layer statistics of every training step, for plots.

    rec = Recorder(); fit(..., hooks=[rec])   (or with net.add_hook(rec): ...)
    rec.series("grad_norm") -> {layer label: array over steps}, labels such as "0: Linear(2→16)"
        act_mean, act_std   mean and std of the output A of each layer without weight matrices
        saturation          fraction of those units where the layer is ``flat`` (|tanh| > 0.99, ...)
        grad_norm           ||dW|| of each layer with weights (all its weight matrices together)
        update_ratio        ||W_new - W_old|| / ||W_old|| of each layer with one W (not from
                            optimizer.step())
    With keep_last=True, ``last_activations`` and ``last_grads`` hold copies of the last step's
    outputs A of those layers and upstream gradients dZ into each layer with weights, by index.
    """

    def __init__(self, keep_last=True):
        self.keep_last = keep_last
        self.records = {}  # (stat, layer index) -> list of values, one per step
        self.names = {}  # layer index -> layer name, learnt from forward events
        # layer index -> the layer's weight matrices, learnt from forward events
        self.weights = {}
        self.last_activations, self.last_grads = {}, {}

    def _add(self, stat, index, value):
        self.records.setdefault((stat, index), []).append(float(value))

    def __call__(self, event):
        i = event.index
        if event.stage == "forward":
            self.names[i] = event.name
            self.weights[i] = weight_matrices(event.layer)
            if not self.weights[i]:  # a layer without weight matrices: statistics of its output A
                A = event.data["output"]
                self._add("act_mean", i, A.mean())
                self._add("act_std", i, A.std())
                self._add("saturation", i, event.layer.flat(event.data["input"], A).mean())
                if self.keep_last:
                    self.last_activations[i] = np.array(A)
        elif event.stage == "backward" and weight_matrices(event.layer):
            self._add("grad_norm", i, global_norm(p.grad for p in weight_matrices(event.layer)))
            if self.keep_last:
                self.last_grads[i] = np.array(event.data["grad_output"])
        elif event.stage == "update" and self.weights.get(i) == [event.layer]:  # a layer's only W
            old = np.linalg.norm(event.data["old"])
            self._add(
                "update_ratio", i, np.linalg.norm(event.data["step"]) / old if old > 0 else np.inf
            )

    def stats(self):
        """The names of the statistics recorded so far."""
        return sorted({stat for stat, _ in self.records})

    def series(self, stat):
        """{layer label "index: name": np.ndarray of the statistic over steps}, in network order."""
        if stat not in STATS:
            raise ValueError(f"unknown statistic {stat!r}; choose one of {', '.join(STATS)}")
        found = {i: values for (s, i), values in self.records.items() if s == stat}
        return {f"{i}: {self.names[i]}": np.array(found[i]) for i in sorted(found)}


def probe(net, loss, X, y):
    """Forward and backward on (X, y), .grad reset first, no update: its Recorder (loss_value)."""
    rec = Recorder(keep_last=True)
    with net.add_hook(rec), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        net.zero_grad()
        rec.loss_value = loss.forward(net.forward(X), y)
        net.backward(loss.backward())
    return rec


def layer_gradient_norms(net, loss, X, y):
    """||dW|| of each layer with weights (each Linear of an MLP) for one batch, input side first."""
    rec = probe(net, loss, X, y)
    return np.array([v[-1] for v in rec.series("grad_norm").values()])
