"""A network diagram: layers as columns of units, edges coloured by weight or by gradient.

Column 0 is the input X, column k the output of the k-th Linear layer (after its activation);
the last column is Y_hat, followed by the loss L.  Forward runs left to right (solid blue
arrow), the error flows back right to left (dashed vermillion arrow), as in the classic
three-layer picture.

    network_diagram(net)                        # edges coloured and sized by W
    network_diagram(net, color_by="gradient")   # after a backward pass: by |dW| (log scale)
    d = NetworkDiagram(net, ax); d.highlight(2, "forward")    # used by the step-through widget
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import LogNorm, Normalize, TwoSlopeNorm, to_rgba
from matplotlib.patches import FancyBboxPatch

from ..network import Sequential
from .style import BACKWARD, DIVERGING_CMAP, FORWARD, SEQUENTIAL_CMAP, new_axes

_COLUMN_GAP = 3.0
_HIGHLIGHT = "#F0E442"  # Okabe–Ito yellow, always with a thick border in the stage's line style


def _edge_parameter(layer):
    """The parameter (D_in, D_out) the layer's Description names as its edges, or None."""
    name = layer.describe().edges
    return dict(layer.named_parameters())[name] if name else None


def _structure(net_or_sizes):
    """(sizes, edge layer indices, layer names per column, column of each layer, edge parameters)
    from a net or a list of sizes.  Layers drawn as edges are those whose Description names an
    ``edges`` parameter (Linear's W); the others are written under the column they act on."""
    if not isinstance(net_or_sizes, Sequential):
        sizes = [int(s) for s in net_or_sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(
                f"network_diagram: sizes must be at least two positive integers, got {sizes!r}"
            )
        return sizes, [None] * (len(sizes) - 1), [""] * len(sizes), None, None
    edges = [_edge_parameter(layer) for layer in net_or_sizes.layers]
    linear = [i for i, p in enumerate(edges) if p is not None]
    if not linear:
        raise ValueError("network_diagram: the network has no layer drawn as edges (a Linear)")
    sizes = [edges[linear[0]].shape[0]] + [edges[i].shape[1] for i in linear]
    acts = [""] * len(sizes)
    column_of_layer = {}
    col = 0
    for i, layer in enumerate(net_or_sizes.layers):
        if edges[i] is not None:
            col += 1
        elif col < len(sizes):
            acts[col] = (acts[col] + " " + layer.name).strip()
        column_of_layer[i] = col
    return sizes, linear, acts, column_of_layer, [edges[i] for i in linear]


class NetworkDiagram:
    """A drawn network whose edge colours and highlight can be changed without redrawing it."""

    def __init__(
        self, net_or_sizes, ax, max_units=8, color_by="weight", directions=True, show_loss=True
    ):
        self.net = net_or_sizes if isinstance(net_or_sizes, Sequential) else None
        structure = _structure(net_or_sizes)
        self.sizes, self.linear, self.acts, self.column_of_layer, self.weights = structure
        self.ax = ax
        self.max_units = max_units
        self.shown = [self._shown_units(n) for n in self.sizes]
        self.unit_y = [self._unit_y(len(s)) for s in self.shown]
        self.x = [k * _COLUMN_GAP for k in range(len(self.sizes))]
        self.loss_x = self.x[-1] + 0.6 * _COLUMN_GAP
        self.edges = []
        self._draw_edges()
        self._draw_units()
        if show_loss:
            self._draw_loss()
        if directions:
            self._draw_directions()
        self._highlight = FancyBboxPatch(
            (0, 0),
            1,
            1,
            boxstyle="round,pad=0.1",
            facecolor=to_rgba(_HIGHLIGHT, 0.45),
            edgecolor="black",
            linewidth=2.5,
            zorder=0,
            visible=False,
        )
        ax.add_patch(self._highlight)
        top = max(max(abs(y).max() for y in self.unit_y), 1.0)
        ax.set_xlim(-1.6, self.loss_x + 1.3)
        ax.set_ylim(-top - 2.4, top + 3.0)
        ax.set_aspect("auto")
        ax.set_axis_off()
        self.color_by = None
        self.set_colors(color_by)

    # -- layout ----------------------------------------------------------------------
    def _shown_units(self, n):
        """Indices of the units drawn: all of them, or the first few, a gap (-1) and the last."""
        if n <= self.max_units:
            return list(range(n))
        return list(range(self.max_units - 2)) + [-1, n - 1]

    @staticmethod
    def _unit_y(n):
        return (np.arange(n)[::-1] - (n - 1) / 2.0) * 1.0

    def _draw_units(self):
        ax = self.ax
        # every column's label on one row above the units
        top = max(y.max() for y in self.unit_y)
        for k, (shown, ys) in enumerate(zip(self.shown, self.unit_y)):
            real = [j for j, u in enumerate(shown) if u >= 0]
            gap = [j for j, u in enumerate(shown) if u < 0]
            ax.scatter(
                np.full(len(real), self.x[k]),
                ys[real],
                s=170,
                facecolor="white",
                edgecolor="black",
                linewidth=1.3,
                zorder=3,
            )
            for j in gap:
                ax.text(self.x[k], ys[j], "⋮", ha="center", va="center", fontsize=14, zorder=3)
            last = k == len(self.sizes) - 1
            name = "input X" if k == 0 else ("output Ŷ" if last else f"hidden {k}")
            label = f"{name}\n{self.sizes[k]} unit{'s' if self.sizes[k] != 1 else ''}"
            if self.acts[k]:
                label += f"\n{self.acts[k]}"
            ax.text(self.x[k], top + 0.8, label, ha="center", va="bottom", fontsize=8.5)

    def _draw_edges(self):
        for k in range(len(self.sizes) - 1):
            segs, idx = [], []
            for a, ua in enumerate(self.shown[k]):
                for c, uc in enumerate(self.shown[k + 1]):
                    if ua < 0 or uc < 0:
                        continue
                    segs.append(
                        [(self.x[k], self.unit_y[k][a]), (self.x[k + 1], self.unit_y[k + 1][c])]
                    )
                    idx.append((ua, uc))
            lc = LineCollection(segs, zorder=1, linewidths=1.0)
            self.ax.add_collection(lc)
            self.edges.append((lc, np.array(idx, dtype=int).reshape(-1, 2)))

    def _draw_loss(self):
        ys = self.unit_y[-1]
        self.ax.text(
            self.loss_x,
            0.0,
            "L",
            ha="center",
            va="center",
            fontsize=12,
            fontweight="bold",
            bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "black"},
            zorder=3,
        )
        for y in ys[[j for j, u in enumerate(self.shown[-1]) if u >= 0]]:
            self.ax.plot(
                [self.x[-1], self.loss_x - 0.35], [y, 0.0], color="0.4", linewidth=0.8, zorder=1
            )
        self.ax.text(self.loss_x, 0.75, "loss", ha="center", va="bottom", fontsize=8.5)

    def _draw_directions(self):
        ax = self.ax
        top = max(y.max() for y in self.unit_y) + 2.0
        bottom = min(y.min() for y in self.unit_y) - 1.2
        left, right = self.x[0] - 0.5, self.loss_x + 0.5
        ax.annotate(
            "",
            xy=(right, top),
            xytext=(left, top),
            arrowprops={"arrowstyle": "-|>", "linewidth": 2, **FORWARD},
        )
        ax.text(
            (left + right) / 2,
            top + 0.1,
            "forward: Z = X @ W + b,  A = f(Z)",
            ha="center",
            va="bottom",
            fontsize=9,
            color=FORWARD["color"],
        )
        ax.annotate(
            "",
            xy=(left, bottom),
            xytext=(right, bottom),
            arrowprops={"arrowstyle": "-|>", "linewidth": 2, **BACKWARD},
        )
        ax.text(
            (left + right) / 2,
            bottom - 0.15,
            "backward: the error dL/dŶ flows back:  dZ = dA * f′(Z),  dW = X.T @ dZ,  dX = dZ"
            " @ W.T",
            ha="center",
            va="top",
            fontsize=9,
            color=BACKWARD["color"],
        )

    # -- colours ---------------------------------------------------------------------
    def matrices(self, by):
        """The arrays the edges are coloured by, one per layer drawn as edges: W or |dW| (None for
        a diagram of sizes only)."""
        if self.net is None or by is None:
            return None
        if by == "weight":
            return [p.value for p in self.weights]
        if by == "gradient":
            return [np.abs(p.grad) for p in self.weights]
        raise ValueError(f"color_by must be 'weight', 'gradient' or None, got {by!r}")

    def set_colors(self, by="weight", only=None, matrices=None):
        """Colour and size each edge by its weight W (diverging map) or |dW| (log scale), or grey.

        only: positions (0 = first Linear layer) of the layers to colour; the others are drawn grey
        (the step-through colours a layer by its gradient only once backward has reached it).
        matrices: the arrays to colour by, one per Linear layer, instead of the network's W or |dW|.
        """
        mats = (
            self.matrices(by)
            if matrices is None
            else [np.abs(m) if by == "gradient" else m for m in matrices]
        )
        self.color_by = by
        self.mappable = None
        if mats is None:
            for lc, _ in self.edges:
                lc.set_color("0.6")
                lc.set_linewidth(0.9)
            return
        allvals = np.concatenate([m.ravel() for m in mats])
        if by == "weight":
            vmax = max(float(np.abs(allvals).max()), 1e-12)
            norm = TwoSlopeNorm(0.0, -vmax, vmax)
            cmap, scale = DIVERGING_CMAP, lambda v: np.abs(v) / vmax
        else:
            pos = allvals[allvals > 0]
            if pos.size == 0:
                norm, scale = Normalize(0, 1), lambda v: np.zeros_like(v)
            else:
                lo, hi = float(pos.min()), float(pos.max())
                lo = max(lo, hi * 1e-8)
                norm = LogNorm(lo, hi if hi > lo else lo * 10)
                scale = lambda v, n=norm: np.clip(n(np.maximum(v, n.vmin)), 0, 1)  # noqa: E731
            cmap = SEQUENTIAL_CMAP
        cmap = plt.get_cmap(cmap)
        for k, ((lc, idx), M) in enumerate(zip(self.edges, mats)):
            if only is not None and k not in only:
                lc.set_color("0.75")
                lc.set_linewidth(0.6)
                continue
            vals = M[idx[:, 0], idx[:, 1]] if idx.size else np.zeros(0)
            lc.set_color(cmap(norm(vals)))
            lc.set_linewidth(0.3 + 2.7 * np.asarray(scale(vals), dtype=float))
        self.mappable = ScalarMappable(norm=norm, cmap=cmap)

    # -- highlight -------------------------------------------------------------------
    def region(self, layer_index=None, stage="forward"):
        """(x0, x1) of the part of the picture a layer (index in net.layers) or the loss acts on."""
        if stage == "loss" or layer_index is None:
            return self.loss_x - 0.55, self.loss_x + 0.55
        col = self.column_of_layer[layer_index] if self.column_of_layer else layer_index + 1
        if self.net is None or layer_index in self.linear:  # between the columns it joins
            return self.x[col - 1] + 0.25, self.x[col] - 0.25
        return self.x[col] - 0.45, self.x[col] + 0.45

    def highlight(self, layer_index=None, stage="forward"):
        """Shade the layer being worked on (None with stage=None hides the highlight)."""
        if stage is None:
            self._highlight.set_visible(False)
            return
        x0, x1 = self.region(layer_index, stage)
        top = max(y.max() for y in self.unit_y)
        y0, y1 = -top - 0.6, top + 0.35
        self._highlight.set_bounds(x0, y0, x1 - x0, y1 - y0)
        style = BACKWARD if stage == "backward" else FORWARD
        self._highlight.set_linestyle("--" if stage in ("backward", "update") else "-")
        self._highlight.set_edgecolor(style["color"] if stage != "update" else "black")
        self._highlight.set_visible(True)


def network_diagram(
    net,
    ax=None,
    color_by="weight",
    highlight=None,
    stage="forward",
    max_units=8,
    title=None,
    colorbar=True,
):
    """Draw a network (a Sequential/MLP, or a list of layer sizes) as columns of units.

    color_by: "weight" (edges coloured by W on a diverging map, width ∝ |W|), "gradient" (|dW| on a
    log scale, after a backward pass), or None.  highlight: a layer index in net.layers to shade.
    Returns the axes; the NetworkDiagram is ``ax.bplearn_diagram``.
    """
    fig, ax = new_axes(ax, figsize=(9.0, 5.2))
    if not isinstance(net, Sequential):
        color_by = None
    diagram = NetworkDiagram(net, ax, max_units=max_units, color_by=color_by)
    if highlight is not None:
        diagram.highlight(highlight, stage)
    if colorbar and diagram.mappable is not None:
        label = (
            "weight W (width ∝ |W|)"
            if color_by == "weight"
            else "|dW| (log scale, width ∝ log |dW|)"
        )
        fig.colorbar(diagram.mappable, ax=ax, label=label, shrink=0.7)
    what = {
        "weight": "edges coloured by weight",
        "gradient": "edges coloured by gradient |dW|",
        None: "layers as columns of units",
    }[color_by]
    ax.set_title(title or f"Network {' → '.join(map(str, diagram.sizes))}: {what}")
    ax.bplearn_diagram = diagram
    return ax
