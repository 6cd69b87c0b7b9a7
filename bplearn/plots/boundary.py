"""Decision boundaries of a 2-D classifier over its data, and how they move during training.

decision_boundary(net, X, y)                                  # regions, boundary line, the data
boundary_evolution(net, loss, optimizer, X, y, at_steps=(0, 10, 50, 200))   # trains; one panel
per step
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from ..train import train_step
from .style import PALETTE, class_style, new_axes


def _labels_on_grid(model, X, resolution, margin=0.5):
    x0, x1 = X[:, 0].min() - margin, X[:, 0].max() + margin
    y0, y1 = X[:, 1].min() - margin, X[:, 1].max() + margin
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    scores = model.predict(grid) if hasattr(model, "predict") else model(grid)
    scores = np.asarray(scores)
    if scores.ndim == 1 or scores.shape[1] == 1:
        labels = (scores.reshape(-1) > 0).astype(int)
    else:
        labels = scores.argmax(axis=1)
    return gx, gy, labels.reshape(gx.shape)


def decision_boundary(model, X, y, ax=None, resolution=150, title=None, legend=True):
    """Shade the region the model assigns to each class, draw the boundary and the labelled points.

    model: a network (its ``predict`` is used, so no hook fires) or a function grid (M, 2) ->
    scores. X (N, 2) inputs, y (N,) integer labels.  Classes differ in colour *and* marker.  Returns
    the axes.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary: X must have shape (N, 2), got {X.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"decision_boundary: X has {X.shape[0]} rows but y has {y.shape[0]}")
    fig, ax = new_axes(ax, figsize=(5.0, 4.5))
    gx, gy, labels = _labels_on_grid(model, X, resolution)
    k = int(max(labels.max(), y.max())) + 1
    cmap = ListedColormap([PALETTE[i % len(PALETTE)] for i in range(k)])
    ax.contourf(gx, gy, labels, levels=np.arange(-0.5, k), cmap=cmap, alpha=0.25)
    if labels.min() != labels.max():
        ax.contour(gx, gy, labels, levels=np.arange(0.5, k - 1), colors="black", linewidths=1.2)
    for c in range(k):
        pts = X[y == c]
        if len(pts):
            st = class_style(c)
            ax.scatter(
                pts[:, 0],
                pts[:, 1],
                s=22,
                c=st["color"],
                marker=st["marker"],
                edgecolors="black",
                linewidths=0.4,
                label=f"class {c}",
                zorder=3,
            )
    ax.set_xlim(gx.min(), gx.max())
    ax.set_ylim(gy.min(), gy.max())
    ax.set_xlabel("x₁ (feature 1)")
    ax.set_ylabel("x₂ (feature 2)")
    acc = None
    pred = _labels_on_grid_points(model, X)
    if pred is not None:
        acc = float(np.mean(pred == y))
    ax.set_title(
        title or ("Decision boundary" + (f" (accuracy {acc:.0%})" if acc is not None else ""))
    )
    if legend:
        ax.legend(loc="best", fontsize="small", framealpha=0.85)
    return ax


def _labels_on_grid_points(model, X):
    scores = np.asarray(model.predict(X) if hasattr(model, "predict") else model(X))
    if scores.ndim == 1 or scores.shape[1] == 1:
        return (scores.reshape(-1) > 0).astype(int)
    return scores.argmax(axis=1)


def boundary_evolution(
    net, loss, optimizer, X, y, at_steps=(0, 10, 50, 200), resolution=100, ncols=4
):
    """Train full-batch with ``optimizer`` and draw the decision boundary at each of ``at_steps``.

    Returns the figure (one panel per step, titled with the step, the loss and the accuracy).
    The network is trained in place: after the call it is the network of the last panel.
    """
    at_steps = sorted(int(s) for s in at_steps)
    if not at_steps or at_steps[0] < 0:
        raise ValueError(
            f"boundary_evolution: at_steps must be non-negative step numbers, got {at_steps!r}"
        )
    n = len(at_steps)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(3.6 * ncols, 3.4 * nrows),
        layout="constrained",
        squeeze=False,
        sharex=True,
        sharey=True,
    )
    step, value = 0, float("nan")
    for i, target in enumerate(at_steps):
        while step < target:
            value = train_step(net, loss, optimizer, X, y)
            step += 1
        if step == 0:
            value = loss.forward(net.predict(X), y)
        ax = axes.flat[i]
        acc = float(np.mean(_labels_on_grid_points(net, X) == np.asarray(y).reshape(-1)))
        decision_boundary(
            net,
            X,
            y,
            ax=ax,
            resolution=resolution,
            legend=(i == 0),
            title=f"step {step}: loss {value:.3g}, accuracy {acc:.0%}",
        )
    for ax in axes.flat[:n]:
        ax.label_outer()
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    fig.suptitle("How the decision boundary moves during training")
    return fig
