"""The computational graph of one neuron and its loss, with every node's value and gradient.

    z = w1·x1 + w2·x2 + b,   a = f(z),   L = (a - y)²

Forward (left to right) computes each node's value; backward (right to left) computes each node's
gradient dL/d(node) by the chain rule: a node's gradient is the sum over its outputs of
(the output's gradient) × (the local derivative).  Drawn with matplotlib only (no graphviz).

    values = neuron_values(x=(1.5, -0.5), w=(0.8, -1.2), b=0.1, y=1.0)   # {name: {"value", "grad",
    ...}}
    neuron_graph()                                                        # the picture
"""

import numpy as np

from ..layers import relu, relu_backward, sigmoid, sigmoid_backward, tanh, tanh_backward
from ..losses import mse_backward, mse_loss
from .style import BACKWARD, FORWARD, new_axes

ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_backward, "σ"),
    "tanh": (tanh, tanh_backward, "tanh"),
    "relu": (relu, relu_backward, "relu"),
}


def neuron_values(x=(1.5, -0.5), w=(0.8, -1.2), b=0.1, y=1.0, activation="sigmoid"):
    """Forward and backward through one neuron and its squared-error loss.

    Returns {node name: {"value": float, "grad": dL/dnode (None for the target y), "formula": str}}
    for the nodes x1, x2, w1, w2, b, p1, p2, z, a, y, L, computed with the library's own functions.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"neuron_values: activation must be one of {list(ACTIVATIONS)}, got {activation!r}"
        )
    f, f_backward, symbol = ACTIVATIONS[activation]
    x1, x2 = map(float, x)
    w1, w2 = map(float, w)
    b, y = float(b), float(y)
    # forward
    p1, p2 = w1 * x1, w2 * x2
    z = p1 + p2 + b
    a = float(f(np.array([[z]]))[0, 0])
    L = float(mse_loss(np.array([[a]]), np.array([[y]])))
    # backward: each gradient is (gradient of the output) × (local derivative)
    dL = 1.0
    da = float(mse_backward(np.array([[a]]), np.array([[y]]))[0, 0]) * dL  # 2 (a - y)
    dz = float(f_backward(np.array([[da]]), np.array([[z]]))[0, 0])  # da · f'(z)
    # + passes the gradient on
    dp1 = dp2 = db = dz
    dw1, dx1 = dp1 * x1, dp1 * w1  # × swaps the inputs
    dw2, dx2 = dp2 * x2, dp2 * w2
    return {
        "x1": {"value": x1, "grad": dx1, "formula": "x₁"},
        "w1": {"value": w1, "grad": dw1, "formula": "w₁"},
        "x2": {"value": x2, "grad": dx2, "formula": "x₂"},
        "w2": {"value": w2, "grad": dw2, "formula": "w₂"},
        "b": {"value": b, "grad": db, "formula": "b"},
        "p1": {"value": p1, "grad": dp1, "formula": "p₁ = w₁·x₁"},
        "p2": {"value": p2, "grad": dp2, "formula": "p₂ = w₂·x₂"},
        "z": {"value": z, "grad": dz, "formula": "z = p₁ + p₂ + b"},
        "a": {"value": a, "grad": da, "formula": f"a = {symbol}(z)"},
        "y": {"value": y, "grad": None, "formula": "y (target)"},
        "L": {"value": L, "grad": dL, "formula": "L = (a − y)²"},
    }


# Where each node sits (column, row) and which nodes feed which.
_POSITIONS = {
    "x1": (0, 4.0),
    "w1": (0, 3.0),
    "x2": (0, 2.0),
    "w2": (0, 1.0),
    "b": (1, 0.2),
    "p1": (1, 3.5),
    "p2": (1, 1.5),
    "z": (2, 2.0),
    "a": (3, 2.0),
    "y": (3, 0.4),
    "L": (4, 2.0),
}
_EDGES = [
    ("x1", "p1"),
    ("w1", "p1"),
    ("x2", "p2"),
    ("w2", "p2"),
    ("p1", "z"),
    ("p2", "z"),
    ("b", "z"),
    ("z", "a"),
    ("a", "L"),
    ("y", "L"),
]
# The local derivative on each edge, written next to the backward arrow.
_LOCAL = {
    ("x1", "p1"): "·w₁",
    ("w1", "p1"): "·x₁",
    ("x2", "p2"): "·w₂",
    ("w2", "p2"): "·x₂",
    ("p1", "z"): "·1",
    ("p2", "z"): "·1",
    ("b", "z"): "·1",
    ("z", "a"): "·f′(z)",
    ("a", "L"): "·2(a−y)",
}


def neuron_graph(
    x=(1.5, -0.5),
    w=(0.8, -1.2),
    b=0.1,
    y=1.0,
    activation="sigmoid",
    ax=None,
    title=None,
    show_grads=True,
):
    """Draw the computational graph of one neuron and its loss; returns the axes.

    Each node shows its formula, its value (forward, blue) and its gradient dL/d(node)
    (backward, vermillion, labelled ∂L/∂·).  Solid arrows are the forward pass; the dashed arrow
    underneath shows the direction the gradients flow.
    """
    values = neuron_values(x, w, b, y, activation)
    fig, ax = new_axes(ax, figsize=(11.0, 5.2))
    boxes = {}
    for name, (col, row) in _POSITIONS.items():
        node = values[name]
        lines = [node["formula"], f"value = {node['value']:.4g}"]
        if show_grads and node["grad"] is not None:
            lines.append(f"∂L/∂{_short(name)} = {node['grad']:.4g}")
        leaf = name in ("x1", "x2", "w1", "w2", "b", "y")
        boxes[name] = ax.text(
            col * 2.6,
            row,
            "\n".join(lines),
            ha="center",
            va="center",
            fontsize=9,
            bbox={
                "boxstyle": "round,pad=0.45",
                "facecolor": "#F2F2F2" if leaf else "white",
                "edgecolor": "black",
                "linewidth": 1.0 if leaf else 1.6,
            },
            zorder=3,
            gid=f"node:{name}",
        )
    for src, dst in _EDGES:
        ax.annotate(
            "",
            xy=(0.0, 0.5),
            xycoords=boxes[dst],
            xytext=(1.0, 0.5),
            textcoords=boxes[src],
            arrowprops={
                "arrowstyle": "-|>",
                "color": FORWARD["color"],
                "linewidth": 1.3,
                "shrinkA": 2,
                "shrinkB": 2,
            },
            zorder=2,
        )
        if show_grads and (src, dst) in _LOCAL:
            (c0, r0), (c1, r1) = _POSITIONS[src], _POSITIONS[dst]
            ax.text(
                (c0 + c1) * 1.3,
                (r0 + r1) / 2 + 0.18,
                _LOCAL[(src, dst)],
                ha="center",
                va="bottom",
                fontsize=8,
                color=BACKWARD["color"],
                style="italic",
                zorder=4,
                bbox={
                    "boxstyle": "round,pad=0.1",
                    "facecolor": "white",
                    "edgecolor": "none",
                    "alpha": 0.8,
                },
            )
    # The two directions, as in the classic picture.
    ax.annotate(
        "",
        xy=(10.8, 5.0),
        xytext=(-0.8, 5.0),
        arrowprops={
            "arrowstyle": "-|>",
            "color": FORWARD["color"],
            "linewidth": 2,
            "linestyle": FORWARD["linestyle"],
        },
    )
    ax.text(
        5.0,
        5.12,
        "forward: values, left to right",
        ha="center",
        va="bottom",
        color=FORWARD["color"],
        fontsize=10,
    )
    if show_grads:
        ax.annotate(
            "",
            xy=(-0.8, -0.95),
            xytext=(10.8, -0.95),
            arrowprops={
                "arrowstyle": "-|>",
                "color": BACKWARD["color"],
                "linewidth": 2,
                "linestyle": BACKWARD["linestyle"],
            },
        )
        ax.text(
            5.0,
            -1.07,
            "backward: gradients ∂L/∂·, right to left "
            "(each = the gradient after it × the local derivative on the edge)",
            ha="center",
            va="top",
            color=BACKWARD["color"],
            fontsize=10,
        )
    ax.set_xlim(-1.3, 11.7)
    ax.set_ylim(-1.6, 5.6)
    ax.set_axis_off()
    ax.set_title(
        title or f"Computational graph of one neuron ({activation}) and its squared-error loss"
    )
    ax.bplearn_values = values  # what was drawn, for tests and curious learners
    return ax


def _short(name):
    return {"x1": "x₁", "x2": "x₂", "w1": "w₁", "w2": "w₂", "p1": "p₁", "p2": "p₂"}.get(name, name)


# ---------------------------------------------------------------- the passes, one node at a time

_FORWARD_ORDER = ["x1", "w1", "x2", "w2", "b", "y", "p1", "p2", "z", "a", "L"]
_BACKWARD_ORDER = ["L", "a", "z", "p1", "p2", "b", "w1", "x1", "w2", "x2"]
_GIVEN = 6  # x1, w1, x2, w2, b and y are known before the forward pass starts
_HIGHLIGHT = "#F0E442"  # Okabe–Ito yellow: the node being computed


def neuron_graph_steps():
    """The forward and backward pass of ``neuron_graph``, one node per step.

    Returns a list of (known values, known gradients, current node or None, what happens), one per
    step: step 0 shows the given inputs; steps 1-5 compute the values left to right; steps 6-15 the
    gradients right to left.
    """
    steps = [(_FORWARD_ORDER[:_GIVEN], [], None, "the inputs, parameters and target are given")]
    steps += [
        (
            _FORWARD_ORDER[: k + 1],
            [],
            _FORWARD_ORDER[k],
            f"forward: compute {_short(_FORWARD_ORDER[k])}",
        )
        for k in range(_GIVEN, len(_FORWARD_ORDER))
    ]
    steps += [
        (
            _FORWARD_ORDER,
            _BACKWARD_ORDER[: k + 1],
            _BACKWARD_ORDER[k],
            f"backward: compute ∂L/∂{_short(_BACKWARD_ORDER[k])}",
        )
        for k in range(len(_BACKWARD_ORDER))
    ]
    return steps


def neuron_graph_step(
    step, x=(1.5, -0.5), w=(0.8, -1.2), b=0.1, y=1.0, activation="sigmoid", ax=None
):
    """Draw ``neuron_graph`` at one step of ``neuron_graph_steps()``; returns the axes.

    Values and gradients not computed yet show "?", and the node computed at this step is
    highlighted.
    """
    steps = neuron_graph_steps()
    if not 0 <= int(step) < len(steps):
        raise ValueError(
            f"neuron_graph_step: step must be between 0 and {len(steps) - 1}, got {step!r}"
        )
    known_values, known_grads, current, what = steps[int(step)]
    ax = neuron_graph(
        x=x,
        w=w,
        b=b,
        y=y,
        activation=activation,
        ax=ax,
        title=f"Step {int(step)} of {len(steps) - 1}: {what}",
    )
    for text in ax.texts:
        gid = text.get_gid() or ""
        if not gid.startswith("node:"):
            continue
        name = gid[len("node:") :]
        node = ax.bplearn_values[name]
        lines = [
            node["formula"],
            f"value = {node['value']:.4g}" if name in known_values else "value = ?",
        ]
        if node["grad"] is not None:
            grad = f"{node['grad']:.4g}" if name in known_grads else "?"
            lines.append(f"∂L/∂{_short(name)} = {grad}")
        text.set_text("\n".join(lines))
        if name == current:
            text.get_bbox_patch().set_facecolor(_HIGHLIGHT)
            text.get_bbox_patch().set_linewidth(2.5)
    ax.bplearn_step = {
        "known_values": list(known_values),
        "known_grads": list(known_grads),
        "current": current,
    }
    return ax
