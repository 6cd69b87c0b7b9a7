"""The figure machinery every lab shares: a matplotlib Figure drawn off-screen into an image widget.

    FigureImage      one Figure, rendered with Agg into an ``ipywidgets.Image`` (PNG)
    Lab              the base of every lab: an ``ipywidgets.VBox`` that times its updates and shows
                     errors in the widget instead of raising at a learner
    fast_log_axis    a log axis that is cheap to redraw
"""
import html
import io
import time

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator
from PIL import Image as PILImage

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


class Lab(W.VBox):
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


def set_log_ylim(ax, values):
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

