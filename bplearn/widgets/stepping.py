"""The step-through: Next / Previous through every event of one training step, with the layer
highlighted on a diagram, the equation and the arrays with their shapes."""

import html

import ipywidgets as W
import numpy as np
from matplotlib import rc_context

from .. import data as datasets
from ..losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from ..network import MLP
from ..optim import SGD, Adam
from ..plots.diagram import NetworkDiagram
from ..plots.style import BACKWARD, FORWARD
from ..train import steps
from .figure import FIXED_TITLES, FigureImage, Lab


def _fmt_array(a, max_rows=6, max_cols=6):
    a = np.asarray(a)
    if a.ndim == 0:
        return f"{float(a):.4g}"
    more = a.shape[0] > (max_cols if a.ndim == 1 else max_rows) or (
        a.ndim > 1 and a.shape[1] > max_cols
    )
    shown = a[:max_cols] if a.ndim == 1 else a[:max_rows, :max_cols]
    return np.array2string(shown, precision=3, suppress_small=True, max_line_width=90) + (
        " …" if more else ""
    )


def _values(layer, names):
    """[(name, value)] of the layer's parameters called ``names``."""
    params = dict(layer.named_parameters())
    return [(name, params[name].value) for name in names]


def _equations(description, stage):
    """The layer's forward or backward equations, then its parts' (backward: last part first)."""
    pick = (lambda desc: desc.forward) if stage == "forward" else (lambda desc: desc.backward)
    parts = list(enumerate(description.parts))
    text = pick(description)
    if parts:
        text += "\ninside F" + (", last layer first:" if stage == "backward" else ":")
        for k, part in parts[::-1] if stage == "backward" else parts:
            text += f"\n  F[{k}]: " + pick(part).replace("\n", "\n        ")
    return text


def describe_loss(loss, targets=None):
    """(equation, symbol of the predictions, symbol of the targets, symbol of the gradient) for
    ``loss``.

    Taken from the loss object itself, never guessed from the shape of the predictions: a regression
    net with two outputs under MSE is still MSE.
    """
    labels = targets is not None and np.asarray(targets).dtype.kind in "iu"  # y (N,) or (N, T)
    if isinstance(loss, CrossEntropyLoss):
        if labels or targets is None:
            eq = (
                "L = mean over the batch of −log softmax(Z)[y]     "
                "dZ = dL/dZ = (softmax(Z) − onehot(y)) / N"
            )
            return eq, "Y_hat (logits Z)", "y (labels)", "dL/dZ"
        eq = (
            "L = mean over the batch of −Σ_c T log softmax(Z)     dZ = dL/dZ = (softmax(Z) − T) / N"
        )
        return eq, "Y_hat (logits Z)", "T (one-hot targets)", "dL/dZ"
    if isinstance(loss, BCEWithLogitsLoss):
        eq = "L = mean(−t log σ(z) − (1 − t) log(1 − σ(z)))     dz = dL/dz = (σ(z) − t) / z.size"
        return eq, "Y_hat (logits z)", "t (targets in [0, 1])", "dL/dz"
    if isinstance(loss, MSELoss):
        eq = "L = mean((Y_hat − Y)²)     dY_hat = dL/dY_hat = 2 (Y_hat − Y) / Y_hat.size"
        return eq, "Y_hat", "Y (targets)", "dL/dY_hat"
    name = type(loss).__name__ if loss is not None else "loss"
    return (
        f"L = {name}(Y_hat, {'y' if labels else 'Y'})     dY_hat = dL/dY_hat",
        "Y_hat",
        "y (labels)" if labels else "Y (targets)",
        "dL/dY_hat",
    )


def describe_event(event, optimizer=None, targets=None, loss=None, layer_input=None):
    """(title, equation, [(symbol, array)]) of one Event, in the notebook notation.

    A layer's equations and symbols come from ``layer.describe()``, never from its type.
    targets: the labels y or targets Y of the batch, shown with the loss (the event does not carry
    them).
    loss: the loss object of the step; the loss event's equation and symbols come from it.
    layer_input: for a backward event, the input the layer took in the forward pass (shown beside
    the gradients it helps compute).
    """
    stage, layer, d = event.stage, event.layer, event.data
    if stage == "forward":
        desc = layer.describe()
        return (
            f"Forward, layer {event.index}: {event.name}",
            _equations(desc, "forward"),
            [(desc.inputs, d["input"]), *_values(layer, desc.params), (desc.outputs, d["output"])],
        )
    if stage == "loss":
        eq, pred_symbol, target_symbol, grad_symbol = describe_loss(loss, targets)
        shown = [(pred_symbol, d["pred"])]
        if targets is not None:
            shown.append((target_symbol, targets))
        return ("Loss", eq, shown + [("L", np.asarray(d["value"])), (grad_symbol, d["grad"])])
    if stage == "backward":
        desc = layer.describe()
        shown = [("d" + desc.outputs, d["grad_output"])]
        if layer_input is not None:
            shown.append((desc.inputs, layer_input))
        shown += _values(layer, desc.params) + [("d" + p, d["d" + p]) for p in desc.params]
        return (
            f"Backward, layer {event.index}: {event.name}",
            _equations(desc, "backward"),
            shown + [("d" + desc.inputs, d["grad_input"])],
        )
    # update
    sym = event.name.split(".")[-1]
    lr = getattr(optimizer, "lr", None)
    eta = "η" if lr is None else f"η (= {lr:g})"
    if isinstance(optimizer, Adam):
        eq = f"{sym} ← {sym} − {eta} · m̂ / (√v̂ + ε)   (m, v: running means of d{sym} and d{sym}²)"
    elif isinstance(optimizer, SGD) and optimizer.momentum:
        eq = f"v ← β v + d{sym};   {sym} ← {sym} − {eta} · v   (β = {optimizer.momentum:g})"
    else:
        eq = f"{sym} ← {sym} − {eta} · d{sym}"
    return (
        f"Update, parameter {event.name}",
        eq,
        [
            (f"{sym} (old)", d["old"]),
            (f"d{sym}", d["grad"]),
            ("step (new − old)", d["step"]),
            (f"{sym} (new)", d["new"]),
        ],
    )


class StepThrough(Lab):
    """Walk one training step event by event: Next / Previous buttons and a stage slider.

    Attributes: next_button, prev_button, stage_slider, new_step_button, stage_index, events (list
    of Events of the step), event (the one shown), equation (HTML), arrays (HTML), diagram
    (NetworkDiagram), image, figure, last_update_ms.
    """

    def __init__(self, net=None, X=None, y=None, loss=None, optimizer=None, lr=0.5, dpi=72):
        self._setup_timing()
        if net is None:
            net = MLP([2, 3, 2], activation="tanh", init="xavier", seed=0)
        if X is None:
            X, y = datasets.xor(n=4, noise=0.1, seed=0)
        self.net, self.X, self.y = net, np.asarray(X), np.asarray(y)  # X: numbers or token ids
        labels = self.y.dtype.kind in "iu"  # class labels (N,), or (N, T) for a sequence
        self.loss = loss if loss is not None else (CrossEntropyLoss() if labels else MSELoss())
        self.optimizer = optimizer if optimizer is not None else SGD(net.parameters(), lr=lr)
        self.step_number = 0
        self.events = []
        self.prev_button = W.Button(description="Previous", icon="arrow-left")
        self.next_button = W.Button(description="Next", icon="arrow-right")
        # The slider counts stages from 1 for the learner; stage_index counts from 0 like
        # ``events``.
        self.stage_slider = W.IntSlider(
            value=1,
            min=1,
            max=2,
            continuous_update=False,
            description="stage",
            layout=W.Layout(width="360px"),
        )
        self.new_step_button = W.Button(
            description="Another training step",
            icon="redo",
            tooltip="Run steps() again on the updated network",
            layout=W.Layout(width="auto"),
        )
        self.title = W.HTML()
        self.equation = W.HTML()
        self.arrays = W.HTML()
        self.view = FigureImage((7.0, 4.2), dpi=dpi)
        self.image, self.figure = self.view.widget, self.view.figure
        with rc_context(FIXED_TITLES):
            ax = self.figure.subplots()
        self.diagram = NetworkDiagram(net, ax, max_units=6, color_by="weight")
        self.diagram_title = ax.set_title(" ")
        self._record_step()
        self._show()
        self.next_button.on_click(lambda b: self.go(self.stage_index + 1))
        self.prev_button.on_click(lambda b: self.go(self.stage_index - 1))
        self.new_step_button.on_click(lambda b: self._timed(self._new_step))
        self.stage_slider.observe(lambda change: self._timed(self._show), names="value")
        super().__init__(
            [
                W.HBox(
                    [self.prev_button, self.next_button, self.stage_slider, self.new_step_button]
                ),
                self.title,
                W.HBox([self.image, W.VBox([self.equation, self.arrays])]),
                self.error,
            ]
        )
        self.add_class("bplearn-step-through")
        self.next_button.add_class("bplearn-next")
        self.prev_button.add_class("bplearn-previous")

    @property
    def stage_index(self):
        """The event shown, counting from 0 (the slider shows it counting from 1)."""
        return int(self.stage_slider.value) - 1

    @property
    def event(self):
        return self.events[self.stage_index]

    def go(self, index):
        """Show event ``index`` (clipped to the step's events)."""
        self.stage_slider.value = int(np.clip(index, 0, len(self.events) - 1)) + 1

    def _record_step(self):
        """Run one training step through ``steps()`` and keep a copy of every event's arrays."""
        self.events = []
        self.grads_after = {}
        # what the diagram colours by: the weights of each layer drawn as edges, before the update
        self.weights_before = [np.array(M) for M in self.diagram.matrices("weight")]
        for event in steps(self.net, self.loss, self.optimizer, self.X, self.y):
            data = {
                k: np.array(v) if isinstance(v, np.ndarray) else v for k, v in event.data.items()
            }
            self.events.append(type(event)(event.stage, event.index, event.name, event.layer, data))
        self.step_number += 1
        self.stage_slider.max = len(self.events)

    def _new_step(self):
        self._record_step()
        if self.stage_index != 0:
            self.go(0)  # triggers _show
        else:
            self._show()

    def _show(self):
        i = self.stage_index
        event = self.events[i]
        forward = [e for e in self.events[:i] if e.stage == "forward" and e.index == event.index]
        layer_input = forward[0].data["input"] if event.stage == "backward" and forward else None
        title, eq, arrays = describe_event(event, self.optimizer, self.y, self.loss, layer_input)
        stage_color = BACKWARD["color"] if event.stage == "backward" else FORWARD["color"]
        self.title.value = (
            f"<b>Training step {self.step_number}, stage {i + 1} of {len(self.events)}:</b> "
            f"<span style='color:{stage_color}'>{html.escape(title)}</span>"
        )
        self.equation.value = (
            "<pre style='font-size:14px;border:1px solid #ccc;padding:6px;"
            f"white-space:pre-wrap'>{html.escape(eq)}</pre>"
        )
        parts = []
        for name, arr in arrays:
            if arr is None:  # need_dX=False: the first layer computes no gradient for the data
                parts.append(f"<b>{html.escape(name)}</b>: not computed (nothing before needs it)")
                continue
            shape = "" if np.ndim(arr) == 0 else f" shape {tuple(np.shape(arr))}"
            parts.append(
                f"<b>{html.escape(name)}</b>{shape}<pre style='margin:0 0 6px 0;font-size:12px'>"
                f"{html.escape(_fmt_array(arr))}</pre>"
            )
        self.arrays.value = (
            "<div style='max-height:420px;overflow:auto'>" + "".join(parts) + "</div>"
        )
        # The diagram: highlight the layer; colour by W until backward reaches a layer, then by
        # |dW|.
        lin = self.diagram.linear
        if event.stage in ("backward", "update"):
            done = {
                k
                for k, li in enumerate(lin)
                if any(e.stage == "backward" and e.index == li for e in self.events[: i + 1])
            }
            self.diagram.set_colors("gradient", only=done)
            what = "edges: |dW| where backward has reached (grey: not yet)"
        else:
            self.diagram.set_colors("weight", matrices=self.weights_before)
            what = "edges: weights W (purple < 0 < orange)"
        self.diagram.highlight(event.index, event.stage)
        where = event.stage if event.stage == event.name else f"{event.stage}: {event.name}"
        self.diagram_title.set_text(f"{where}\n{what}")
        self.diagram_title.set_fontsize(10)
        self.view.render()


def step_through(net=None, X=None, y=None, loss=None, optimizer=None, lr=0.5):
    """Step through one training step of a small network, event by event (from ``bplearn.steps``).

    Defaults: MLP([2, 3, 2], tanh, Xavier), four XOR points, cross-entropy, SGD(lr).  Running the
    step updates ``net``'s parameters (as training does).  Returns a StepThrough (an
    ipywidgets.VBox).
    """
    return StepThrough(net=net, X=X, y=y, loss=loss, optimizer=optimizer, lr=lr)
