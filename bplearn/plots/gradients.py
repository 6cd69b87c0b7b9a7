"""Vanishing (and exploding) gradients, shown three ways, as in Nielsen ch. 5 and Glorot & Bengio
(2010).

1. gradient_norms_by_layer: ||dW|| of each layer on a log axis, one line per
activation/initialisation.
2. learning_speed: ||dW|| of each layer against the training step (log axis), from a Recorder.
3. layer_histograms: per-layer histograms of activations A and back-propagated gradients dZ,
   side by side for two (or more) initialisations.

All numbers come from the core's Recorder (hooks on the backward events); nothing here changes
the network except ``compare_*``, which build their own.

    compare_gradient_norms(X, y, depth=10)                    # sigmoid/normal vs tanh/xavier vs
    relu/he
    rec = Recorder(); fit(..., hooks=[rec]); learning_speed(rec)
    compare_histograms(X, y, depth=5, activation="tanh", inits=("normal", "xavier"))
"""

import matplotlib.pyplot as plt
import numpy as np

from ..init import normal as normal_init
from ..losses import CrossEntropyLoss, MSELoss
from ..network import MLP
from ..recorder import Recorder, layer_gradient_norms, probe  # noqa: F401  (re-exported)
from .style import LINESTYLES, MARKERS, layer_colors, new_axes, series_style, take_evenly

DEFAULT_CONFIGS = (("sigmoid", "normal"), ("tanh", "xavier"), ("relu", "he"))


# ---------------------------------------------------------------- measuring
def make_init(init, std=1.0):
    """An initialiser from a name; "normal" uses the given ``std``."""
    return normal_init(std) if init == "normal" else init


def _loss_for(y):
    y = np.asarray(y)
    return CrossEntropyLoss() if (y.ndim == 1 and np.issubdtype(y.dtype, np.integer)) else MSELoss()


def _n_out(y):
    y = np.asarray(y)
    if y.ndim == 1 and np.issubdtype(y.dtype, np.integer):
        return int(y.max()) + 1
    return 1 if y.ndim == 1 else y.shape[1]


def _label(activation, init, std):
    return f"{activation}, {init}" + (f"(std={std:g})" if init == "normal" else "")


# ---------------------------------------------------------------- 1. norms by layer
def gradient_norms_by_layer(norms, ax=None, title=None):
    """One line per configuration: ||dW|| of each Linear layer (1 = next to the input), log y axis.

    norms: {label: array of per-layer norms} or {label: Recorder} (its last step is used).
    Returns the axes.
    """
    fig, ax = new_axes(ax, figsize=(6.5, 4.2))
    n_max = 1
    for i, (label, values) in enumerate(norms.items()):
        if isinstance(values, Recorder):
            values = [v[-1] for v in values.series("grad_norm").values()]
        values = np.asarray(values, dtype=float)
        n_max = max(n_max, values.size)
        with np.errstate(divide="ignore"):
            shown = np.where(values > 0, values, np.nan)  # a zero norm cannot sit on a log axis
        ax.plot(np.arange(1, values.size + 1), shown, **series_style(i), label=label)
    ax.set_yscale("log")
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("gradient norm ||dW|| (log scale)")
    ax.set_title(title or "Gradient norm of each layer, one batch")
    ax.set_xticks(_layer_ticks(n_max))
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small")
    return ax


def _layer_ticks(n):
    step = max(1, int(np.ceil(n / 12)))
    return np.arange(1, n + 1, step)


def compare_gradient_norms(
    X, y, depth=10, width=32, configs=DEFAULT_CONFIGS, std=1.0, seed=0, ax=None
):
    """Build one MLP per (activation, init) in ``configs``, measure ||dW|| per layer on (X, y), plot
    them.

    depth is the number of hidden layers; the "normal" init uses ``std``.  Returns the axes.
    """
    X = np.asarray(X, dtype=float)
    norms = {}
    for activation, init in configs:
        net = MLP(
            [X.shape[1]] + [width] * depth + [_n_out(y)],
            activation=activation,
            init=make_init(init, std),
            seed=seed,
        )
        norms[_label(activation, init, std)] = layer_gradient_norms(net, _loss_for(y), X, y)
    return gradient_norms_by_layer(
        norms, ax=ax, title=f"Gradient norm per layer: {depth} hidden layers of {width} units"
    )


# ---------------------------------------------------------------- 2. speed of learning
def learning_speed(series, ax=None, max_layers=8, title=None):
    """||dW|| of each layer against the training step, on a log axis ("speed of learning" per
    layer).

    series: a Recorder (its "grad_norm" series) or {layer label: array over steps}.  With many
    layers, ``max_layers`` evenly spread ones are drawn (always the first and the last); each line
    has its own colour, line style and marker and is also labelled at its right end.
    """
    if isinstance(series, Recorder):
        series = series.series("grad_norm")
    if not series:
        raise ValueError("learning_speed: nothing recorded yet (attach a Recorder and train first)")
    fig, ax = new_axes(ax, figsize=(7.0, 4.2))
    all_labels = list(series)
    labels = take_evenly(all_labels, max_layers)
    colors = layer_colors(len(labels))
    for i, label in enumerate(labels):
        k = all_labels.index(label) + 1  # layers counted from 1 at the input side
        values = np.asarray(series[label], dtype=float)
        steps = np.arange(1, values.size + 1)
        with np.errstate(divide="ignore"):
            shown = np.where(values > 0, values, np.nan)
        ax.plot(
            steps,
            shown,
            color=colors[i],
            linestyle=LINESTYLES[i % len(LINESTYLES)],
            marker=MARKERS[i % len(MARKERS)],
            markevery=max(1, values.size // 8),
            markersize=5,
            label=f"layer {k}: {label.split(': ', 1)[-1]}",
        )
        finite = np.isfinite(shown)
        if finite.any():
            j = np.flatnonzero(finite)[-1]
            ax.annotate(
                str(k),
                (steps[j], shown[j]),
                xytext=(4, 0),
                textcoords="offset points",
                fontsize=8,
                color=colors[i],
                va="center",
            )
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("gradient norm ||dW|| (log scale)")
    ax.set_title(title or "Speed of learning: each layer's gradient norm during training")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="x-small", ncol=2 if len(labels) > 4 else 1)
    return ax


# ---------------------------------------------------------------- 3. histograms
def step_histogram(values, edges):
    """(x, y) of a step line drawing the fraction of ``values`` in each bin of ``edges``."""
    values = np.asarray(values, dtype=float).ravel()
    values = values[np.isfinite(values)]
    counts, _ = np.histogram(values, bins=edges)
    frac = counts / max(values.size, 1)
    x = np.repeat(edges, 2)[1:-1]
    return x, np.repeat(frac, 2)


def activation_edges(arrays, bins=40):
    """Common bin edges for activation histograms (the range of all the arrays)."""
    finite = [a[np.isfinite(a)] for a in arrays if a.size]
    lo = min((a.min() for a in finite if a.size), default=-1.0)
    hi = max((a.max() for a in finite if a.size), default=1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, bins + 1)


def gradient_edges(arrays, bins=40):
    """Log-spaced bin edges for |gradient| histograms that cover every array's bulk.

    From the smallest 1st percentile to the largest value over the arrays, so a layer whose
    gradients vanished (1e-40 next to 1e-3) stays on the picture; at least 3 bins per decade.
    """
    lows, hi = [], 0.0
    for a in arrays:
        m = np.abs(np.asarray(a, dtype=float)).ravel()
        m = m[np.isfinite(m) & (m > 0)]
        if m.size:
            lows.append(np.quantile(m, 0.01))
            hi = max(hi, float(m.max()))
    if not lows:
        return np.geomspace(1e-3, 1.0, bins + 1)
    lo = min(min(lows), hi / 10)
    decades = np.log10(hi / lo)
    return np.geomspace(lo, hi * 1.0001, max(bins, min(150, int(3 * decades))) + 1)


def _hist_panel(ax, arrays_by_layer, edges, log_x, xlabel, title):
    colors = layer_colors(len(arrays_by_layer))
    for i, (label, arr) in enumerate(arrays_by_layer.items()):
        x, y = step_histogram(np.abs(arr) if log_x else arr, edges)
        ax.plot(
            x,
            y,
            color=colors[i],
            linestyle=LINESTYLES[i % len(LINESTYLES)],
            linewidth=1.4,
            label=label,
        )
        centre = np.argmax(y[::2])
        ax.plot(
            [x[2 * centre] if log_x else (edges[centre] + edges[centre + 1]) / 2],
            [y[2 * centre]],
            linestyle="none",
            marker=MARKERS[i % len(MARKERS)],
            color=colors[i],
            markersize=6,
        )
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of values")
    ax.set_title(title, fontsize="medium")
    ax.legend(fontsize="x-small")


def layer_histograms(recorders, max_layers=5, bins=40, title=None):
    """Histograms of activations A (top row) and back-propagated gradients |dZ| (bottom row, log x),
    one column per recorder ({label: Recorder after a probe or a training step}), one line per
    layer.

    Returns the figure with 2 × len(recorders) panels.  Axes in the same row share their x range.
    """
    if not recorders:
        raise ValueError("layer_histograms: give at least one {label: Recorder}")
    ncols = len(recorders)
    fig, axes = plt.subplots(
        2, ncols, figsize=(5.2 * ncols, 7.0), layout="constrained", squeeze=False
    )
    acts, grads = {}, {}
    for name, rec in recorders.items():
        acts[name], grads[name] = pick_layers(rec, max_layers)
    a_edges = activation_edges([a for d in acts.values() for a in d.values()], bins)
    g_edges = gradient_edges([g for d in grads.values() for g in d.values()], bins)
    for col, name in enumerate(recorders):
        _hist_panel(
            axes[0, col],
            acts[name],
            a_edges,
            False,
            "activation value A",
            f"{name}: activations A per layer",
        )
        _hist_panel(
            axes[1, col],
            grads[name],
            g_edges,
            True,
            "|dZ| (log scale)",
            f"{name}: back-propagated gradients per layer",
        )
    for row in axes:
        top = max(ax.get_ylim()[1] for ax in row)
        for ax in row:
            ax.set_ylim(0, top)
    fig.suptitle(title or "Activations and gradients, layer by layer")
    return fig


def pick_layers(rec, max_layers):
    """({'layer k': A_k}, {'layer k': dZ_k}) for at most max_layers evenly spread hidden layers.

    k counts hidden layers from 1 (input side): A_k is the activation after the k-th Linear layer
    and dZ_k the back-propagated gradient into that Linear layer's output.
    """
    act_keys, grad_keys = sorted(rec.last_activations), sorted(rec.last_grads)
    n = len(act_keys) if act_keys else len(grad_keys)
    chosen = take_evenly(range(n), max_layers)
    acts = {
        f"layer {k + 1}": np.asarray(rec.last_activations[act_keys[k]])
        for k in chosen
        if k < len(act_keys)
    }
    grads = {
        f"layer {k + 1}": np.asarray(rec.last_grads[grad_keys[k]])
        for k in chosen
        if k < len(grad_keys)
    }
    return acts, grads


def compare_histograms(
    X,
    y,
    depth=5,
    width=64,
    activation="tanh",
    inits=("normal", "xavier"),
    std=1.0,
    seed=0,
    max_layers=5,
):
    """Build one MLP per initialisation, run one batch forward and backward, and plot
    layer_histograms."""
    X = np.asarray(X, dtype=float)
    recorders = {}
    for init in inits:
        net = MLP(
            [X.shape[1]] + [width] * depth + [_n_out(y)],
            activation=activation,
            init=make_init(init, std),
            seed=seed,
        )
        recorders[_label(activation, init, std)] = probe(net, _loss_for(y), X, y)
    return layer_histograms(
        recorders,
        max_layers=max_layers,
        title=f"{activation}: {depth} hidden layers of {width} units, two initialisations",
    )
