"""The depth lab: depth, width, activation and initialisation against per-layer gradient norms (log
axis) and histograms of activations and gradients; "Train" plots the speed of learning per layer."""

import ipywidgets as W
import numpy as np
from matplotlib import rc_context
from matplotlib.ticker import MaxNLocator

from .. import data as datasets
from ..losses import CrossEntropyLoss, MSELoss
from ..network import MLP
from ..optim import SGD
from ..plots.gradients import activation_edges, gradient_edges, make_init, pick_layers, probe
from ..plots.style import LINESTYLES, MARKERS, layer_colors, series_style, take_evenly
from ..recorder import Recorder
from ..train import TrainingDiverged, train_step
from .figure import FIXED_TITLES, FigureImage, Lab, fast_log_axis, set_log_ylim


def _default_batch(n=128, seed=0):
    """Two spirals, standardised: a small classification batch (X (n, 2), y (n,))."""
    X, y = datasets.spirals(n, seed=seed)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


class DepthLab(Lab):
    """Depth, width, activation and initialisation against gradients, layer by layer.

    Attributes: depth_slider, width_slider, activation_dropdown, init_dropdown, std_slider,
    train_button, net (the current network), norms (||dW|| per Linear layer), recorder (of the last
    probe), speed (||dW|| per layer over the trained steps, or None), image, figure, last_update_ms.
    """

    MAX_HIST_LAYERS = 5

    def __init__(
        self,
        depth=5,
        width=32,
        activation="sigmoid",
        init="normal",
        std=1.0,
        X=None,
        y=None,
        train_steps=20,
        lr=0.1,
        seed=0,
        dpi=72,
    ):
        self._setup_timing()
        self.X, self.y = (
            _default_batch() if X is None else (np.asarray(X, dtype=float), np.asarray(y))
        )
        self.loss = CrossEntropyLoss() if np.asarray(self.y).ndim == 1 else MSELoss()
        self.n_out = int(self.y.max()) + 1 if np.asarray(self.y).ndim == 1 else self.y.shape[1]
        self.seed, self.lr, self.train_steps = seed, lr, train_steps
        wide = {"description_width": "initial"}
        self.depth_slider = W.IntSlider(
            value=depth,
            min=1,
            max=30,
            continuous_update=False,
            description="hidden layers",
            style=wide,
        )
        self.width_slider = W.IntSlider(
            value=width, min=2, max=128, continuous_update=False, description="width", style=wide
        )
        self.activation_dropdown = W.Dropdown(
            options=[
                ("sigmoid", "sigmoid"),
                ("tanh", "tanh"),
                ("ReLU", "relu"),
                ("leaky ReLU", "leaky_relu"),
            ],
            value=activation,
            description="activation",
            style=wide,
            layout=W.Layout(width="220px"),
        )
        self.init_dropdown = W.Dropdown(
            options=[("normal(std)", "normal"), ("Xavier", "xavier"), ("He", "he")],
            value=init,
            description="init",
            layout=W.Layout(width="200px"),
        )
        self.std_slider = W.FloatLogSlider(
            value=std,
            base=10,
            min=-2,
            max=1,
            step=0.05,
            continuous_update=False,
            description="std",
            readout_format=".3g",
            disabled=(init != "normal"),
        )
        self.train_button = W.Button(
            description=f"Train {train_steps} steps",
            icon="play",
            tooltip="Train with SGD on the batch and plot each layer's gradient norm",
        )
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
        for control in (
            self.depth_slider,
            self.width_slider,
            self.activation_dropdown,
            self.init_dropdown,
            self.std_slider,
        ):
            control.observe(lambda change: self._timed(self._update), names="value")
        self.train_button.on_click(lambda button: self._timed(self._train))
        super().__init__(
            [
                W.HBox([self.depth_slider, self.width_slider]),
                W.HBox([self.activation_dropdown, self.init_dropdown, self.std_slider]),
                W.HBox([self.train_button, self.status]),
                self.image,
                self.speed_image,
                self.error,
            ]
        )
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
                (line,) = ax.plot(
                    [],
                    [],
                    color=colors[i],
                    linestyle=LINESTYLES[i],
                    linewidth=1.5,
                    marker=MARKERS[i],
                    markevery=[0],
                    markersize=5,
                )
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
            (line,) = ax.plot(
                [], [], color=colors[i], linestyle=LINESTYLES[i], marker=MARKERS[i], markersize=4
            )
            self.speed_lines.append(line)

    def _make_net(self):
        depth, width = int(self.depth_slider.value), int(self.width_slider.value)
        init = make_init(self.init_dropdown.value, float(self.std_slider.value))
        return MLP(
            [self.X.shape[1]] + [width] * depth + [self.n_out],
            activation=self.activation_dropdown.value,
            init=init,
            seed=self.seed,
        )

    def _config(self):
        init = self.init_dropdown.value
        std = f"(std={self.std_slider.value:.3g})" if init == "normal" else ""
        return (
            f"{self.depth_slider.value} hidden layers × {self.width_slider.value} units, "
            f"{self.activation_dropdown.value}, init {init}{std}"
        )

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
        set_log_ylim(ax, shown)
        ratio = self.norms[0] / self.norms[-1] if self.norms[-1] > 0 else np.inf
        ax.set_title(f"Gradient norm per layer (first/last = {ratio:.2g})")
        self._update_histograms(rec)
        self.speed = None
        self.speed_image.layout.display = "none"  # stale: it belongs to the previous settings
        self.figure.suptitle(self._config() + f", loss {rec.loss_value:.3g}")
        self.status.value = ""
        self.view.render()

    def _update_histograms(self, rec):
        acts, grads = pick_layers(rec, self.MAX_HIST_LAYERS)
        self.hist_layers = list(acts)
        a_edges = activation_edges(list(acts.values()))
        g_edges = gradient_edges(list(grads.values()))
        for ax, lines, arrays, edges, log_x in (
            (self.ax_acts, self.act_lines, acts, a_edges, False),
            (self.ax_grads, self.grad_lines, grads, g_edges, True),
        ):
            top = 0.0
            for line, (label, arr) in zip(
                lines, list(arrays.items()) + [(None, None)] * len(lines)
            ):
                if label is None:
                    line.set_data([], [])
                    line.set_label("_")
                    continue
                x, y = _step_histogram(np.abs(arr) if log_x else arr, edges, log_x)
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
        """Train a fresh copy of the current network for a few SGD steps, recording ||dW|| per
        layer."""
        net = self._make_net()
        rec = Recorder(keep_last=False)
        handle = net.add_hook(rec, stages=("forward", "backward"))
        opt = SGD(net.parameters(), lr=self.lr)
        values, diverged = [], False
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for _ in range(self.train_steps):
                    try:
                        values.append(train_step(net, self.loss, opt, self.X, self.y))
                    except TrainingDiverged:  # the output or the loss became NaN or infinite
                        diverged = True
                        break
                    diverged = not (
                        np.isfinite(values[-1])
                        and all(np.isfinite(p.value).all() for p in net.parameters())
                    )
                    if diverged:
                        break
        finally:
            handle.remove()
        series = rec.series("grad_norm")
        labels = list(series)
        chosen = take_evenly(range(len(labels)), self.MAX_HIST_LAYERS)
        self.speed = {f"layer {k + 1}": series[labels[k]] for k in chosen}
        allv = []
        for line, (label, v) in zip(
            self.speed_lines, list(self.speed.items()) + [(None, None)] * 5
        ):
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
        set_log_ylim(self.ax_speed, np.concatenate(allv) if allv else np.ones(1))
        self.ax_speed.legend(loc="lower left", fontsize="x-small", ncol=2)
        self.ax_speed.set_title(f"Speed of learning per layer (SGD, lr = {self.lr:g})")
        first, last = (values[0], values[-1]) if values else (np.nan, np.nan)
        self.status.value = f"Trained {len(values)} steps: loss {first:.3g} → {last:.3g}" + (
            " <b style='color:#D55E00'>(diverged)</b>" if diverged else ""
        )
        self.speed_view.render()
        self.speed_image.layout.display = None


def _step_histogram(values, edges, log_spaced):
    """(x, y) of a step line: the fraction of the finite ``values`` in each bin of ``edges``.

    The edges are evenly spaced (or evenly spaced in log10 when ``log_spaced``), so the bin of a
    value
    is arithmetic: numpy's even-bins path, with no sort of the values (as
    ``bplearn.plots.step_histogram`` does for any edges).
    """
    values = np.asarray(values, dtype=float).ravel()
    values = values[np.isfinite(values)]
    n = values.size
    if log_spaced:
        with np.errstate(divide="ignore"):
            values, lo, hi = np.log10(values), np.log10(edges[0]), np.log10(edges[-1])
    else:
        lo, hi = edges[0], edges[-1]
    counts, _ = np.histogram(values, bins=len(edges) - 1, range=(lo, hi))
    return np.repeat(edges, 2)[1:-1], np.repeat(counts / max(n, 1), 2)


def depth_lab(
    depth=5, width=32, activation="sigmoid", init="normal", std=1.0, X=None, y=None, train_steps=20
):
    """A depth lab: 1 to 30 hidden layers, width, activation and initialisation (normal with a std,
    Xavier, He).

    Shows ||dW|| per layer on a log axis and histograms of activations and back-propagated gradients
    for one batch (two spirals by default); "Train" runs a few SGD steps and plots the speed of
    learning per layer.  Returns a DepthLab (an ipywidgets.VBox).
    """
    return DepthLab(
        depth=depth,
        width=width,
        activation=activation,
        init=init,
        std=std,
        X=X,
        y=y,
        train_steps=train_steps,
    )
