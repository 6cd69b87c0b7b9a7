"""The learning-rate lab: a log slider for the learning rate, SGD / momentum / Adam, the path on a
loss surface and the loss per step; a diverging run says so."""

import html

import ipywidgets as W
import numpy as np
from matplotlib import rc_context

from ..plots.style import BACKWARD, series_style
from ..plots.surface import OPTIMIZERS, draw_surface, line_fit_problem, optimise
from .figure import FIXED_TITLES, FigureImage, Lab, fast_log_axis


class LearningRateLab(Lab):
    """Learning rate (log slider, 1e-4 to 10) and optimiser against the path on a loss surface.

    Attributes: lr_slider, optimizer_buttons, steps_slider, message (HTML), image, figure,
    path (the last bplearn.plots.OptimizerPath), path_line, loss_line, last_update_ms.
    """

    def __init__(self, lr=0.1, optimizer="sgd", steps=50, problem=None, dpi=80):
        self._setup_timing()
        self.problem = line_fit_problem() if problem is None else problem
        self.lr_slider = W.FloatLogSlider(
            value=lr,
            base=10,
            min=-4,
            max=1,
            step=0.1,
            continuous_update=False,
            description="learning rate",
            readout_format=".3g",
            style={"description_width": "initial"},
            layout=W.Layout(width="420px"),
        )
        self.optimizer_buttons = W.ToggleButtons(
            options=[("SGD", "sgd"), ("momentum", "momentum"), ("Adam", "adam")],
            value=optimizer,
            description="optimiser",
            style={"button_width": "110px"},
        )
        self.steps_slider = W.IntSlider(
            value=steps, min=5, max=500, step=5, continuous_update=False, description="steps"
        )
        self.message = W.HTML()
        self.view = FigureImage((10.0, 4.0), dpi=dpi)
        self.image, self.figure = self.view.widget, self.view.figure
        with rc_context(FIXED_TITLES):
            self._build_figure()
        self._update()
        for control in (self.lr_slider, self.optimizer_buttons, self.steps_slider):
            control.observe(lambda change: self._timed(self._update), names="value")
        super().__init__(
            [
                W.HBox([self.lr_slider, self.steps_slider]),
                self.optimizer_buttons,
                self.message,
                self.image,
                self.error,
            ]
        )
        self.add_class("bplearn-lr-lab")
        self.lr_slider.add_class("bplearn-lr-slider")

    def _build_figure(self):
        ax_s, ax_l = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
        self.ax_surface, self.ax_loss = ax_s, ax_l
        draw_surface(ax_s, self.problem)
        st = series_style(0)
        (self.path_line,) = ax_s.plot(
            [],
            [],
            color=st["color"],
            linestyle="-",
            marker="o",
            markersize=3,
            linewidth=1.5,
            label="path",
            zorder=4,
        )
        (self.end_marker,) = ax_s.plot(
            [],
            [],
            linestyle="none",
            marker="X",
            markersize=11,
            color=BACKWARD["color"],
            markeredgecolor="black",
            label="_last point",
            zorder=6,
        )
        ax_s.legend(loc="lower left", fontsize="small", framealpha=0.9)
        ax_s.set_title("Path on the loss surface L(w, b)")
        self.surface_note = ax_s.text(
            0.5,
            0.97,
            "",
            transform=ax_s.transAxes,
            ha="center",
            va="top",
            fontsize=10,
            color=BACKWARD["color"],
            fontweight="bold",
            bbox={"facecolor": "white", "edgecolor": BACKWARD["color"], "boxstyle": "round"},
        )
        (self.loss_line,) = ax_l.plot([], [], **series_style(0), markersize=3, label="loss")
        (self.loss_end,) = ax_l.plot(
            [],
            [],
            linestyle="none",
            marker="X",
            markersize=11,
            color=BACKWARD["color"],
            markeredgecolor="black",
            label="_diverged here",
        )
        ax_l.axhline(
            self.problem.loss(*self.problem.minimum),
            color="black",
            linestyle=":",
            linewidth=1,
            label="lowest possible loss",
        )
        ax_l.set_yscale("log")
        fast_log_axis(ax_l.yaxis)
        ax_l.set_xlabel("step")
        ax_l.set_ylabel("loss L (log scale)")
        ax_l.set_title("Loss per step")
        ax_l.legend(loc="upper right", fontsize="small")
        ax_l.grid(True, which="major", alpha=0.3)

    def _update(self):
        lr, opt, n = (
            float(self.lr_slider.value),
            self.optimizer_buttons.value,
            int(self.steps_slider.value),
        )
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
            self.message.value = (
                f"<div style='color:#D55E00;font-weight:bold'>⚠ {html.escape(path.message)}</div>"
            )
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
    """A learning-rate lab: ``lr`` from 1e-4 to 10 on a log slider, ``optimizer`` "sgd", "momentum"
    or "adam".

    Shows the optimiser's path on the loss surface of a two-parameter line fit and the loss per
    step; a diverging run is marked and explained.  Returns a LearningRateLab (an ipywidgets.VBox).
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(
            f"learning_rate_lab: optimizer must be one of {OPTIMIZERS}, got {optimizer!r}"
        )
    return LearningRateLab(lr=lr, optimizer=optimizer, steps=steps, problem=problem)
