"""Widgets for notebooks: one call each, live in JupyterLab, a static first picture when run headless.

    learning_rate_lab()        a log slider for the learning rate, SGD / momentum / Adam, the path on
                               a loss surface and the loss curve; diverging runs say so
    depth_lab()                depth, width, activation and initialisation against per-layer gradient
                               norms (log axis) and histograms of activations and gradients
    step_through(net, X, y)    Next / Previous through every event of one training step, with the
                               layer highlighted, the equation and the arrays with their shapes

Each returns an ``ipywidgets.VBox`` whose controls and state are attributes (``lab.lr_slider``,
``lab.depth_slider``, ``st.next_button``, ``st.stage_index``, ``lab.last_update_ms`` ...), so a
notebook or a test can drive it from Python.

How they stay fast: each owns one matplotlib Figure drawn off-screen (Agg) into an
``ipywidgets.Image``.  An update changes the existing artists (``set_data``), redraws and sends one
PNG; sliders use ``continuous_update=False``, so dragging sends one value when the handle is released.
"""
import html
import io
import time

import ipywidgets as W
import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator
from PIL import Image as PILImage

from . import data as datasets
from .recorder import Recorder
from .train import steps, train_step
from .losses import CrossEntropyLoss, MSELoss
from .network import MLP
from .optim import SGD, Adam
from .plots.diagram import NetworkDiagram
from .plots.gradients import activation_edges, gradient_edges, make_init, pick_layers, probe, step_histogram
from .plots.style import BACKWARD, FORWARD, LINESTYLES, MARKERS, layer_colors, series_style, take_evenly
from .plots.surface import OPTIMIZERS, draw_surface, line_fit_problem, optimise

__all__ = ["learning_rate_lab", "depth_lab", "step_through", "LearningRateLab", "DepthLab", "StepThrough"]


# ---------------------------------------------------------------- a figure shown as an image
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(value, pos=None):
    """Tick label 10ⁿ in plain text (mathtext labels cost more to draw on every update)."""
    if value <= 0 or not np.isfinite(value):
        return ""
    exponent = int(np.round(np.log10(value)))
    return f"10{str(exponent).translate(_SUPERSCRIPT)}" if exponent not in (0, 1) else str(10 ** exponent)


def fast_log_axis(axis):
    """A log axis that is cheap to redraw: decades only, plain-text labels, no minor ticks."""
    axis.set_major_locator(LogLocator(base=10, numticks=7))
    axis.set_major_formatter(FuncFormatter(_power_of_ten))
    axis.set_minor_locator(NullLocator())


# Axes made under this setting keep their title at a fixed height instead of measuring the tick
# labels on every draw to place it.
FIXED_TITLES = {"axes.titley": 1.0}


class FigureImage:
    """A matplotlib Figure rendered off-screen into an ``ipywidgets.Image`` (PNG).

    The first render solves the layout (constrained); later renders keep it, with titles and axis
    labels pinned, so an update redraws without measuring every tick label again.
    """

    def __init__(self, figsize, dpi=80):
        self.figure = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.figure)
        w, h = (int(round(v * dpi)) for v in figsize)
        self.widget = W.Image(format="png", layout=W.Layout(width=f"{w}px", max_width="100%",
                                                             height="auto"))
        self.widget.add_class("bplearn-figure")
        self._layout_frozen = False

    def render(self):
        """Draw the figure and send it to the browser; returns the PNG bytes."""
        fig = self.figure
        if not self._layout_frozen:
            # Solve the layout once, then keep it: re-solving on every update costs more than drawing.
            fig.set_layout_engine("constrained")
            fig.canvas.draw()
            fig.set_layout_engine("none")
            _pin_axis_labels(fig)
            self._layout_frozen = True
        fig.canvas.draw()
        buf = io.BytesIO()
        PILImage.fromarray(np.asarray(fig.canvas.buffer_rgba())).convert("RGB").save(
            buf, format="png", compress_level=1)
        png = buf.getvalue()
        self.widget.value = png
        return png


def _pin_axis_labels(fig):
    """Keep each axis label where the layout put it (otherwise every draw measures the tick labels)."""
    for ax in fig.axes:
        to_axes = ax.transAxes.inverted()
        xl, yl = ax.xaxis.label, ax.yaxis.label
        # x label: anchored at its top; y label (rotated): anchored at its right-hand side.
        if xl.get_text():
            y = to_axes.transform((0, xl.get_window_extent().y1))[1]
            ax.xaxis.set_label_coords(0.5, y)
        if yl.get_text():
            x = to_axes.transform((yl.get_window_extent().x1, 0))[0]
            ax.yaxis.set_label_coords(x, 0.5)


class _Lab(W.VBox):
    """Shared machinery: timing of updates and error display (a widget never raises at a learner)."""

    def _setup_timing(self):
        self.last_update_ms = float("nan")
        self.update_count = 0
        self.error = W.HTML()

    def _timed(self, fn):
        t0 = time.perf_counter()
        try:
            fn()
            self.error.value = ""
        except Exception as exc:  # shown in the widget; the traceback is kept for the curious
            self.error.value = (f"<div style='color:#D55E00'><b>Could not update:</b> "
                                f"{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</div>")
            self.last_exception = exc
        self.last_update_ms = (time.perf_counter() - t0) * 1000.0
        self.update_count += 1


# ---------------------------------------------------------------- learning-rate lab
class LearningRateLab(_Lab):
    """Learning rate (log slider, 1e-4 to 10) and optimiser against the path on a loss surface.

    Attributes: lr_slider, optimizer_buttons, steps_slider, message (HTML), image, figure,
    path (the last bplearn.plots.OptimizerPath), path_line, loss_line, last_update_ms.
    """

    def __init__(self, lr=0.1, optimizer="sgd", steps=50, problem=None, dpi=80):
        self._setup_timing()
        self.problem = line_fit_problem() if problem is None else problem
        self.lr_slider = W.FloatLogSlider(value=lr, base=10, min=-4, max=1, step=0.1, continuous_update=False,
                                          description="learning rate", readout_format=".3g",
                                          style={"description_width": "initial"},
                                          layout=W.Layout(width="420px"))
        self.optimizer_buttons = W.ToggleButtons(
            options=[("SGD", "sgd"), ("momentum", "momentum"), ("Adam", "adam")], value=optimizer,
            description="optimiser", style={"button_width": "110px"})
        self.steps_slider = W.IntSlider(value=steps, min=5, max=500, step=5, continuous_update=False,
                                        description="steps")
        self.message = W.HTML()
        self.view = FigureImage((10.0, 4.0), dpi=dpi)
        self.image, self.figure = self.view.widget, self.view.figure
        with rc_context(FIXED_TITLES):
            self._build_figure()
        self._update()
        for control in (self.lr_slider, self.optimizer_buttons, self.steps_slider):
            control.observe(lambda change: self._timed(self._update), names="value")
        super().__init__([W.HBox([self.lr_slider, self.steps_slider]), self.optimizer_buttons,
                          self.message, self.image, self.error])
        self.add_class("bplearn-lr-lab")
        self.lr_slider.add_class("bplearn-lr-slider")

    def _build_figure(self):
        ax_s, ax_l = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
        self.ax_surface, self.ax_loss = ax_s, ax_l
        draw_surface(ax_s, self.problem)
        st = series_style(0)
        (self.path_line,) = ax_s.plot([], [], color=st["color"], linestyle="-", marker="o", markersize=3,
                                      linewidth=1.5, label="path", zorder=4)
        (self.end_marker,) = ax_s.plot([], [], linestyle="none", marker="X", markersize=11,
                                       color=BACKWARD["color"], markeredgecolor="black", label="_last point",
                                       zorder=6)
        ax_s.legend(loc="lower left", fontsize="small", framealpha=0.9)
        ax_s.set_title("Path on the loss surface L(w, b)")
        self.surface_note = ax_s.text(0.5, 0.97, "", transform=ax_s.transAxes, ha="center", va="top",
                                      fontsize=10, color=BACKWARD["color"], fontweight="bold",
                                      bbox={"facecolor": "white", "edgecolor": BACKWARD["color"],
                                            "boxstyle": "round"})
        (self.loss_line,) = ax_l.plot([], [], **series_style(0), markersize=3, label="loss")
        (self.loss_end,) = ax_l.plot([], [], linestyle="none", marker="X", markersize=11,
                                     color=BACKWARD["color"], markeredgecolor="black", label="_diverged here")
        ax_l.axhline(self.problem.loss(*self.problem.minimum), color="black", linestyle=":", linewidth=1,
                     label="lowest possible loss")
        ax_l.set_yscale("log")
        fast_log_axis(ax_l.yaxis)
        ax_l.set_xlabel("step")
        ax_l.set_ylabel("loss L (log scale)")
        ax_l.set_title("Loss per step")
        ax_l.legend(loc="upper right", fontsize="small")
        ax_l.grid(True, which="major", alpha=0.3)

    def _update(self):
        lr, opt, n = float(self.lr_slider.value), self.optimizer_buttons.value, int(self.steps_slider.value)
        self.path = path = optimise(self.problem, opt, lr, n)
        pts = path.points
        self.path_line.set_data(pts[:, 0], pts[:, 1])
        self.path_line.set_markevery(max(1, len(pts) // 40))
        finite = np.isfinite(path.losses)
        losses = np.where(finite, path.losses, np.nan)
        steps_axis = np.arange(len(losses))
        self.loss_line.set_data(steps_axis, losses)
        self.loss_line.set_markevery(max(1, len(losses) // 20))
        if path.growing:
            self.end_marker.set_data(pts[-1:, 0], pts[-1:, 1])
            last = np.flatnonzero(finite)[-1] if finite.any() else 0
            self.loss_end.set_data([steps_axis[last]], [losses[last]])
            where = f"at step {path.diverged_at}" if path.diverged else f"over {n} steps"
            self.surface_note.set_text(f"diverging: the loss grew {where}")
            self.surface_note.set_visible(True)
            self.message.value = (f"<div style='color:#D55E00;font-weight:bold'>⚠ {html.escape(path.message)}</div>")
        else:
            self.end_marker.set_data([], [])
            self.loss_end.set_data([], [])
            self.surface_note.set_visible(False)
            self.message.value = f"<div>✓ {html.escape(path.message)}</div>"
        ax = self.ax_loss
        ax.set_xlim(-0.02 * n, n * 1.02)
        lo = np.nanmin(losses[finite]) if finite.any() else 1e-3
        hi = np.nanmax(losses[finite]) if finite.any() else 1.0
        floor = self.problem.loss(*self.problem.minimum)
        ax.set_ylim(min(lo, floor) / 1.5, max(hi, lo * 10) * 4)
        self.ax_surface.set_title(f"Path on the loss surface L(w, b): {opt}, lr = {lr:.3g}")
        self.view.render()


def learning_rate_lab(lr=0.1, optimizer="sgd", steps=50, problem=None):
    """A learning-rate lab: ``lr`` from 1e-4 to 10 on a log slider, ``optimizer`` "sgd", "momentum" or "adam".

    Shows the optimiser's path on the loss surface of a two-parameter line fit and the loss per step;
    a diverging run is marked and explained.  Returns a LearningRateLab (an ipywidgets.VBox).
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"learning_rate_lab: optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    return LearningRateLab(lr=lr, optimizer=optimizer, steps=steps, problem=problem)


# ---------------------------------------------------------------- depth lab
def _default_batch(n=128, seed=0):
    """Two spirals, standardised: a small classification batch (X (n, 2), y (n,))."""
    X, y = datasets.spirals(n, seed=seed)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


class DepthLab(_Lab):
    """Depth, width, activation and initialisation against gradients, layer by layer.

    Attributes: depth_slider, width_slider, activation_dropdown, init_dropdown, std_slider,
    train_button, net (the current network), norms (||dW|| per Linear layer), recorder (of the last
    probe), speed (||dW|| per layer over the trained steps, or None), image, figure, last_update_ms.
    """

    MAX_HIST_LAYERS = 5

    def __init__(self, depth=5, width=32, activation="sigmoid", init="normal", std=1.0, X=None, y=None,
                 train_steps=20, lr=0.1, seed=0, dpi=72):
        self._setup_timing()
        self.X, self.y = _default_batch() if X is None else (np.asarray(X, dtype=float), np.asarray(y))
        self.loss = CrossEntropyLoss() if np.asarray(self.y).ndim == 1 else MSELoss()
        self.n_out = int(self.y.max()) + 1 if np.asarray(self.y).ndim == 1 else self.y.shape[1]
        self.seed, self.lr, self.train_steps = seed, lr, train_steps
        wide = {"description_width": "initial"}
        self.depth_slider = W.IntSlider(value=depth, min=1, max=30, continuous_update=False,
                                        description="hidden layers", style=wide)
        self.width_slider = W.IntSlider(value=width, min=2, max=128, continuous_update=False,
                                        description="width", style=wide)
        self.activation_dropdown = W.Dropdown(
            options=[("sigmoid", "sigmoid"), ("tanh", "tanh"), ("ReLU", "relu"), ("leaky ReLU", "leaky_relu")],
            value=activation, description="activation", style=wide, layout=W.Layout(width="220px"))
        self.init_dropdown = W.Dropdown(options=[("normal(std)", "normal"), ("Xavier", "xavier"), ("He", "he")],
                                        value=init, description="init", layout=W.Layout(width="200px"))
        self.std_slider = W.FloatLogSlider(value=std, base=10, min=-2, max=1, step=0.05, continuous_update=False,
                                           description="std", readout_format=".3g",
                                           disabled=(init != "normal"))
        self.train_button = W.Button(description=f"Train {train_steps} steps", icon="play",
                                     tooltip="Train with SGD on the batch and plot each layer's gradient norm")
        self.status = W.HTML()
        self.view = FigureImage((12.0, 3.9), dpi=dpi)
        self.image, self.figure = self.view.widget, self.view.figure
        self.speed_view = FigureImage((6.5, 3.6), dpi=dpi)
        self.speed_image, self.speed_figure = self.speed_view.widget, self.speed_view.figure
        self.speed_image.layout.display = "none"
        self.speed = None
        with rc_context(FIXED_TITLES):
            self._build_figure()
        self._update()
        for control in (self.depth_slider, self.width_slider, self.activation_dropdown, self.init_dropdown,
                        self.std_slider):
            control.observe(lambda change: self._timed(self._update), names="value")
        self.train_button.on_click(lambda button: self._timed(self._train))
        super().__init__([
            W.HBox([self.depth_slider, self.width_slider]),
            W.HBox([self.activation_dropdown, self.init_dropdown, self.std_slider]),
            W.HBox([self.train_button, self.status]), self.image, self.speed_image, self.error])
        self.add_class("bplearn-depth-lab")
        self.depth_slider.add_class("bplearn-depth-slider")
        self.speed_image.add_class("bplearn-speed-figure")

    # The panels keep their artists; an update only moves data.  The speed-of-learning panel is a
    # separate image, drawn only when training runs and hidden when the settings change.
    def _build_figure(self):
        self.ax_norms, self.ax_acts, self.ax_grads = self.figure.subplots(1, 3)
        (self.norm_line,) = self.ax_norms.plot([], [], **series_style(0), label="||dW|| per layer")
        self.ax_norms.set_yscale("log")
        fast_log_axis(self.ax_norms.yaxis)
        self.ax_norms.set_xlabel("layer (1 = next to the input)")
        self.ax_norms.set_ylabel("||dW|| (log scale)")
        self.ax_norms.grid(True, which="major", alpha=0.3)
        colors = layer_colors(self.MAX_HIST_LAYERS)
        self.act_lines, self.grad_lines = [], []
        for ax, lines in ((self.ax_acts, self.act_lines), (self.ax_grads, self.grad_lines)):
            for i in range(self.MAX_HIST_LAYERS):
                (line,) = ax.plot([], [], color=colors[i], linestyle=LINESTYLES[i], linewidth=1.5,
                                  marker=MARKERS[i], markevery=[0], markersize=5)
                lines.append(line)
            ax.set_ylabel("fraction of values")
            ax.yaxis.set_major_locator(MaxNLocator(5))
        self.ax_acts.xaxis.set_major_locator(MaxNLocator(5))
        self.ax_norms.xaxis.set_major_locator(MaxNLocator(8, integer=True))
        self.ax_acts.set_xlabel("activation value A")
        self.ax_acts.set_title("Activations A per layer")
        self.ax_grads.set_xscale("log")
        fast_log_axis(self.ax_grads.xaxis)
        self.ax_grads.set_xlabel("|dZ| (log scale)")
        self.ax_grads.set_title("Back-propagated gradients |dZ|")
        self.figure.suptitle(" ")
        ax = self.ax_speed = self.speed_figure.subplots()
        ax.set_yscale("log")
        fast_log_axis(ax.yaxis)
        ax.set_xlabel("training step")
        ax.set_ylabel("||dW|| (log scale)")
        ax.set_title("Speed of learning per layer")
        ax.grid(True, which="major", alpha=0.3)
        self.speed_lines = []
        for i in range(self.MAX_HIST_LAYERS):
            (line,) = ax.plot([], [], color=colors[i], linestyle=LINESTYLES[i], marker=MARKERS[i], markersize=4)
            self.speed_lines.append(line)

    def _make_net(self):
        depth, width = int(self.depth_slider.value), int(self.width_slider.value)
        init = make_init(self.init_dropdown.value, float(self.std_slider.value))
        return MLP([self.X.shape[1]] + [width] * depth + [self.n_out], activation=self.activation_dropdown.value,
                   init=init, seed=self.seed)

    def _config(self):
        init = self.init_dropdown.value
        std = f"(std={self.std_slider.value:.3g})" if init == "normal" else ""
        return (f"{self.depth_slider.value} hidden layers × {self.width_slider.value} units, "
                f"{self.activation_dropdown.value}, init {init}{std}")

    def _update(self):
        self.std_slider.disabled = self.init_dropdown.value != "normal"
        self.net = self._make_net()
        self.recorder = rec = probe(self.net, self.loss, self.X, self.y)
        self.norms = np.array([v[-1] for v in rec.series("grad_norm").values()])
        n = self.norms.size
        with np.errstate(divide="ignore"):
            shown = np.where(self.norms > 0, self.norms, np.nan)
        self.norm_line.set_data(np.arange(1, n + 1), shown)
        self.norm_line.set_markevery(1 if n <= 15 else 2)
        ax = self.ax_norms
        ax.set_xlim(0.5, n + 0.5)
        _set_log_ylim(ax, shown)
        ratio = self.norms[0] / self.norms[-1] if self.norms[-1] > 0 else np.inf
        ax.set_title(f"Gradient norm per layer (first/last = {ratio:.2g})")
        self._update_histograms(rec)
        self.speed = None
        self.speed_image.layout.display = "none"      # stale: it belongs to the previous settings
        self.figure.suptitle(self._config() + f", loss {rec.loss_value:.3g}")
        self.status.value = ""
        self.view.render()

    def _update_histograms(self, rec):
        acts, grads = pick_layers(rec, self.MAX_HIST_LAYERS)
        self.hist_layers = list(acts)
        a_edges = activation_edges(list(acts.values()))
        g_edges = gradient_edges(list(grads.values()))
        for ax, lines, arrays, edges, log_x in ((self.ax_acts, self.act_lines, acts, a_edges, False),
                                                (self.ax_grads, self.grad_lines, grads, g_edges, True)):
            top = 0.0
            for line, (label, arr) in zip(lines, list(arrays.items()) + [(None, None)] * len(lines)):
                if label is None:
                    line.set_data([], [])
                    line.set_label("_")
                    continue
                x, y = step_histogram(np.abs(arr) if log_x else arr, edges)
                line.set_data(x, y)
                line.set_markevery([int(np.argmax(y))])
                line.set_label(label)
                top = max(top, y.max())
            ax.set_xlim(edges[0], edges[-1])
            ax.set_ylim(0, max(top, 1e-3) * 1.1)
        if self.ax_acts.get_legend() is None or len(self.ax_acts.get_legend().texts) != len(acts):
            self.ax_acts.legend(loc="upper right", fontsize="x-small")
        else:
            for text, label in zip(self.ax_acts.get_legend().texts, acts):
                text.set_text(label)

    def _train(self):
        """Train a fresh copy of the current network for a few SGD steps, recording ||dW|| per layer."""
        net = self._make_net()
        rec = Recorder(keep_last=False)
        handle = net.add_hook(rec, stages=("forward", "backward"))
        opt = SGD(net.parameters(), lr=self.lr)
        values = []
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for _ in range(self.train_steps):
                    values.append(train_step(net, self.loss, opt, self.X, self.y))
                    if not np.isfinite(values[-1]):
                        break
        finally:
            handle.remove()
        series = rec.series("grad_norm")
        labels = list(series)
        chosen = take_evenly(range(len(labels)), self.MAX_HIST_LAYERS)
        self.speed = {f"layer {k + 1}": series[labels[k]] for k in chosen}
        allv = []
        for line, (label, v) in zip(self.speed_lines, list(self.speed.items()) + [(None, None)] * 5):
            if label is None:
                line.set_data([], [])
                line.set_label("_")
                continue
            with np.errstate(divide="ignore"):
                v = np.where(v > 0, v, np.nan)
            line.set_data(np.arange(1, v.size + 1), v)
            line.set_markevery(max(1, v.size // 6))
            line.set_label(label)
            allv.append(v)
        self.ax_speed.set_xlim(0.5, max(len(values), 1) + 0.5)
        _set_log_ylim(self.ax_speed, np.concatenate(allv) if allv else np.ones(1))
        self.ax_speed.legend(loc="lower left", fontsize="x-small", ncol=2)
        self.ax_speed.set_title(f"Speed of learning per layer (SGD, lr = {self.lr:g})")
        first, last = values[0], values[-1]
        self.status.value = (f"Trained {len(values)} steps: loss {first:.3g} → {last:.3g}"
                             + ("" if np.isfinite(last) else " <b style='color:#D55E00'>(diverged)</b>"))
        self.speed_view.render()
        self.speed_image.layout.display = None


def _set_log_ylim(ax, values):
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        ax.set_ylim(1e-3, 1)
        return
    lo, hi = v.min(), v.max()
    if hi / lo < 10:
        mid = np.sqrt(lo * hi)
        lo, hi = mid / np.sqrt(10), mid * np.sqrt(10)
    ax.set_ylim(lo / 2, hi * 2)


def depth_lab(depth=5, width=32, activation="sigmoid", init="normal", std=1.0, X=None, y=None, train_steps=20):
    """A depth lab: 1 to 30 hidden layers, width, activation and initialisation (normal with a std, Xavier, He).

    Shows ||dW|| per layer on a log axis and histograms of activations and back-propagated gradients
    for one batch (two spirals by default); "Train" runs a few SGD steps and plots the speed of
    learning per layer.  Returns a DepthLab (an ipywidgets.VBox).
    """
    return DepthLab(depth=depth, width=width, activation=activation, init=init, std=std, X=X, y=y,
                    train_steps=train_steps)


# ---------------------------------------------------------------- step-through
def _fmt_array(a, max_rows=6, max_cols=6):
    a = np.asarray(a)
    if a.ndim == 0:
        return f"{float(a):.4g}"
    more = a.shape[0] > (max_cols if a.ndim == 1 else max_rows) or (a.ndim > 1 and a.shape[1] > max_cols)
    shown = a[:max_cols] if a.ndim == 1 else a[:max_rows, :max_cols]
    return np.array2string(shown, precision=3, suppress_small=True, max_line_width=90) + (" …" if more else "")


_FN_NAMES = {"Sigmoid": "sigmoid", "Tanh": "tanh", "ReLU": "relu", "LeakyReLU": "leaky_relu", "Identity": "identity"}


def describe_event(event, optimizer=None, targets=None):
    """(title, equation, [(symbol, array)]) of one Event, in the notebook notation.

    targets: the labels y or targets Y of the batch, shown with the loss (the event does not carry them).
    """
    stage, layer, d = event.stage, event.layer, event.data
    if stage == "forward":
        if hasattr(layer, "W"):
            return (f"Forward, layer {event.index}: {event.name}", "Z = X @ W + b",
                    [("X", d["input"]), ("W", layer.W.value), ("b", layer.b.value), ("Z", d["output"])])
        f = _FN_NAMES.get(type(layer).__name__, type(layer).__name__.lower())
        return (f"Forward, layer {event.index}: {event.name}", f"A = f(Z),  f = {f}",
                [("Z", d["input"]), ("A", d["output"])])
    if stage == "loss":
        pred = d["pred"]
        if pred.ndim == 2 and pred.shape[1] > 1:
            eq = ("L = mean over the batch of −log softmax(Z)[y]     "
                  "dZ = dL/dZ = (softmax(Z) − onehot(y)) / N")
        else:
            eq = "L = mean((Y_hat − Y)²)     dY_hat = dL/dY_hat = 2 (Y_hat − Y) / Y_hat.size"
        shown = [("Y_hat (logits Z)" if pred.shape[1] > 1 else "Y_hat", pred)]
        if targets is not None:
            shown.append(("y (labels)" if np.ndim(targets) == 1 else "Y (targets)", targets))
        return ("Loss", eq, shown + [("L", np.asarray(d["value"])), ("dL/dY_hat", d["grad"])])
    if stage == "backward":
        if hasattr(layer, "W"):
            return (f"Backward, layer {event.index}: {event.name}",
                    "dW = X.T @ dZ     db = sum over the batch of dZ     dX = dZ @ W.T",
                    [("dZ", d["grad_output"]), ("X", layer.X), ("W", layer.W.value), ("dW", d["dW"]),
                     ("db", d["db"]), ("dX", d["grad_input"])])
        f = _FN_NAMES.get(type(layer).__name__, type(layer).__name__.lower())
        return (f"Backward, layer {event.index}: {event.name}", f"dZ = dA * f′(Z),  f = {f}",
                [("dA", d["grad_output"]), ("dZ", d["grad_input"])])
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
    return (f"Update, parameter {event.name}", eq,
            [(f"{sym} (old)", d["old"]), (f"d{sym}", d["grad"]), ("step (new − old)", d["step"]),
             (f"{sym} (new)", d["new"])])


class StepThrough(_Lab):
    """Walk one training step event by event: Next / Previous buttons and a stage slider.

    Attributes: next_button, prev_button, stage_slider, new_step_button, stage_index, events (list of
    Events of the step), event (the one shown), equation (HTML), arrays (HTML), diagram
    (NetworkDiagram), image, figure, last_update_ms.
    """

    def __init__(self, net=None, X=None, y=None, loss=None, optimizer=None, lr=0.5, dpi=72):
        self._setup_timing()
        if net is None:
            net = MLP([2, 3, 2], activation="tanh", init="xavier", seed=0)
        if X is None:
            X, y = datasets.xor(n=4, noise=0.1, seed=0)
        self.net, self.X, self.y = net, np.asarray(X, dtype=float), np.asarray(y)
        self.loss = loss if loss is not None else (CrossEntropyLoss() if self.y.ndim == 1 else MSELoss())
        self.optimizer = optimizer if optimizer is not None else SGD(net.parameters(), lr=lr)
        self.step_number = 0
        self.events = []
        self.prev_button = W.Button(description="Previous", icon="arrow-left")
        self.next_button = W.Button(description="Next", icon="arrow-right")
        # The slider counts stages from 1 for the learner; stage_index counts from 0 like ``events``.
        self.stage_slider = W.IntSlider(value=1, min=1, max=2, continuous_update=False, description="stage",
                                        layout=W.Layout(width="360px"))
        self.new_step_button = W.Button(description="Another training step", icon="redo",
                                        tooltip="Run steps() again on the updated network",
                                        layout=W.Layout(width="auto"))
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
        super().__init__([
            W.HBox([self.prev_button, self.next_button, self.stage_slider, self.new_step_button]),
            self.title, W.HBox([self.image, W.VBox([self.equation, self.arrays])]), self.error])
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
        for event in steps(self.net, self.loss, self.optimizer, self.X, self.y):
            data = {k: (np.array(v) if isinstance(v, np.ndarray) else v) for k, v in event.data.items()}
            self.events.append(type(event)(event.stage, event.index, event.name, event.layer, data))
        # What the diagram colours by: W before the update, dW per Linear layer.
        self.weights_before = {e.index: np.array(e.layer.W.value) for e in self.events
                               if e.stage == "forward" and hasattr(e.layer, "W")}
        for e in self.events:
            if e.stage == "update" and e.name.endswith(".W"):
                self.weights_before[int(e.name.split(".")[0])] = np.array(e.data["old"])
        self.step_number += 1
        self.stage_slider.max = len(self.events)

    def _new_step(self):
        self._record_step()
        if self.stage_index != 0:
            self.go(0)                           # triggers _show
        else:
            self._show()

    def _show(self):
        i = self.stage_index
        event = self.events[i]
        title, eq, arrays = describe_event(event, self.optimizer, self.y)
        stage_color = BACKWARD["color"] if event.stage == "backward" else FORWARD["color"]
        self.title.value = (f"<b>Training step {self.step_number}, stage {i + 1} of {len(self.events)}:</b> "
                            f"<span style='color:{stage_color}'>{html.escape(title)}</span>")
        self.equation.value = (f"<pre style='font-size:14px;border:1px solid #ccc;padding:6px;"
                               f"white-space:pre-wrap'>{html.escape(eq)}</pre>")
        parts = []
        for name, arr in arrays:
            shape = "" if np.ndim(arr) == 0 else f" shape {tuple(np.shape(arr))}"
            parts.append(f"<b>{html.escape(name)}</b>{shape}<pre style='margin:0 0 6px 0;font-size:12px'>"
                         f"{html.escape(_fmt_array(arr))}</pre>")
        self.arrays.value = "<div style='max-height:420px;overflow:auto'>" + "".join(parts) + "</div>"
        # The diagram: highlight the layer; colour by W until backward reaches a layer, then by |dW|.
        lin = self.net.linear_indices()
        if event.stage in ("backward", "update"):
            done = {k for k, li in enumerate(lin)
                    if any(e.stage == "backward" and e.index == li for e in self.events[:i + 1])}
            self.diagram.set_colors("gradient", only=done)
            what = "edges: |dW| where backward has reached (grey: not yet)"
        else:
            self.diagram.set_colors("weight", matrices=[self.weights_before[li] for li in lin])
            what = "edges: weights W (purple < 0 < orange)"
        if event.stage == "update":
            layer_index = int(event.name.split(".")[0])
        else:
            layer_index = event.index
        self.diagram.highlight(layer_index, event.stage)
        where = event.stage if event.stage == event.name else f"{event.stage}: {event.name}"
        self.diagram_title.set_text(f"{where}\n{what}")
        self.diagram_title.set_fontsize(10)
        self.view.render()


def step_through(net=None, X=None, y=None, loss=None, optimizer=None, lr=0.5):
    """Step through one training step of a small network, event by event (from ``bplearn.steps``).

    Defaults: MLP([2, 3, 2], tanh, Xavier), four XOR points, cross-entropy, SGD(lr).  Running the
    step updates ``net``'s parameters (as training does).  Returns a StepThrough (an ipywidgets.VBox).
    """
    return StepThrough(net=net, X=X, y=y, loss=loss, optimizer=optimizer, lr=lr)
