"""One look for every figure: the Okabe–Ito colour-blind-safe palette, plus line styles and
markers so that no two things are told apart by colour alone.

    from bplearn.plots.style import series_style
    ax.plot(x, y, **series_style(i), label=...)   # colour, line style and marker of series i
"""

import matplotlib.pyplot as plt
import numpy as np

# Okabe & Ito (2008), "Color Universal Design".  Black is kept for annotations.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
# Series order: strong colours first, yellow last (it is pale on white).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442"]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2))]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">"]
# Colour maps that read the same to colour-blind eyes: sequential and diverging.
SEQUENTIAL_CMAP = "viridis"
DIVERGING_CMAP = "PuOr_r"
# What the two directions of a training step look like in every figure.
FORWARD = {"color": "#0072B2", "linestyle": "-"}
BACKWARD = {"color": "#D55E00", "linestyle": "--"}


def series_style(i, markevery=None):
    """Colour, line style and marker of the i-th series (they cycle with different periods)."""
    style = {
        "color": PALETTE[i % len(PALETTE)],
        "linestyle": LINESTYLES[i % len(LINESTYLES)],
        "marker": MARKERS[i % len(MARKERS)],
    }
    if markevery is not None:
        style["markevery"] = markevery
    return style


def class_style(k):
    """Colour and marker of class k in scatter plots of labelled data."""
    return {"color": PALETTE[k % len(PALETTE)], "marker": MARKERS[k % len(MARKERS)]}


def layer_colors(n):
    """n colours along the sequential map, first layer dark, last layer light (for per-layer
    series)."""
    cmap = plt.get_cmap(SEQUENTIAL_CMAP)
    if n <= 1:
        return [cmap(0.0)]
    return [cmap(0.85 * i / (n - 1)) for i in range(n)]  # stop before the palest yellow


def new_axes(ax=None, figsize=(6.0, 4.0)):
    """(fig, ax): the given axes and its figure, or a new figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def spans_orders_of_magnitude(values, factor=30.0):
    """True when the positive finite values span more than ``factor`` (then a log axis helps)."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    return v.size > 1 and v.max() / v.min() > factor


def take_evenly(items, k):
    """At most k items, evenly spread and always including the first and the last."""
    items = list(items)
    if len(items) <= k:
        return items
    idx = np.unique(np.round(np.linspace(0, len(items) - 1, k)).astype(int))
    return [items[i] for i in idx]
