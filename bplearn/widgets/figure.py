"""The figure machinery every lab shares: a matplotlib Figure drawn off-screen into an image widget.

FigureImage      one Figure, rendered with Agg into an ``ipywidgets.Image`` (PNG)
TextStampRenderer  an Agg renderer that rasterises each distinct text once and then copies its
                 pixels: most of an update's drawing time was spent rendering the same tick
                 labels, titles and legend entries glyph by glyph.  It answers matplotlib's
                 private ``_get_font_height_metrics`` hook; where matplotlib no longer asks it
                 (``font_height_hook_used()``) or a stamped draw fails, figures are drawn by plain
                 Agg.  pyproject.toml bounds matplotlib to the versions this was tested with.
Lab              the base of every lab: an ``ipywidgets.VBox`` that times its updates and shows
                 errors in the widget instead of raising at a learner
fast_log_axis    a log axis that is cheap to redraw
"""

import functools
import html
import io
import time

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import findfont, get_font
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator
from PIL import Image as PILImage

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(value, pos=None):
    """Tick label 10ⁿ in plain text (mathtext labels cost more to draw on every update)."""
    if value <= 0 or not np.isfinite(value):
        return ""
    exponent = int(np.round(np.log10(value)))
    return (
        f"10{str(exponent).translate(_SUPERSCRIPT)}"
        if exponent not in (0, 1)
        else str(10**exponent)
    )


def fast_log_axis(axis):
    """A log axis that is cheap to redraw: decades only, plain-text labels, no minor ticks."""
    axis.set_major_locator(LogLocator(base=10, numticks=7))
    axis.set_major_formatter(FuncFormatter(_power_of_ten))
    axis.set_minor_locator(NullLocator())


# Axes made under this setting keep their title at a fixed height instead of measuring the tick
# labels on every draw to place it.
FIXED_TITLES = {"axes.titley": 1.0}


class TextStampRenderer(RendererAgg):
    """An Agg renderer that rasterises each distinct text once and stamps its pixels afterwards.

    A widget update redraws the same tick labels, titles and legend entries every time, and Agg
    renders text glyph by glyph: that was over half of a draw.  Here a text (string, font, angle)
    is drawn once in black on a small transparent canvas; its coverage (the alpha channel) is
    kept and blended in the text's colour wherever the text is drawn again, at the nearest whole
    pixel (at most half a pixel from where Agg puts it).  Mathtext and clipped or aliased text
    are drawn by Agg as usual.
    """

    # forget them all past this many (titles with numbers add up)
    MAX_TEXTS = 500

    def __init__(self, width, height, dpi):
        super().__init__(width, height, dpi)
        self._stamps = {}
        self._font_heights = {}
        self.font_height_calls = 0  # how often matplotlib asked the hook below

    def _get_font_height_metrics(self, prop):
        """(ascent, descent, line gap) in pixels of the font ``prop``, read from its tables once.

        matplotlib's text layout (a private, "temporary" hook of matplotlib 3.10-3.11) asks a
        renderer that has this method instead of reading the font's tables for every text it lays
        out; (None, None, None) lets it measure.
        """
        self.font_height_calls += 1
        key = prop
        if key not in self._font_heights:
            font = get_font(findfont(prop))
            scale = (
                prop.get_size_in_points()
                * self.dpi
                / 72
                / font.get_sfnt_table("head")["unitsPerEm"]
            )
            metrics = (None, None, None)
            os2, hhea = font.get_sfnt_table("OS/2"), font.get_sfnt_table("hhea")
            if os2 is not None:
                metrics = (
                    os2["sTypoAscender"] * scale,
                    -os2["sTypoDescender"] * scale,
                    os2["sTypoLineGap"] * scale,
                )
            elif hhea is not None:
                metrics = (
                    hhea["ascent"] * scale,
                    -hhea["descent"] * scale,
                    hhea["lineGap"] * scale,
                )
            self._font_heights[prop.copy()] = metrics
        return self._font_heights[key]

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if (
            ismath
            or not gc.get_antialiased()
            or gc.get_clip_rectangle() is not None
            or gc.get_clip_path()[0] is not None
        ):
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        key = (s, angle, prop)
        stamp = self._stamps.get(key)
        if stamp is None:
            stamp = self._rasterise(s, prop, angle, mtext)
            if len(self._stamps) >= self.MAX_TEXTS:
                self._stamps.clear()
            self._stamps[(s, angle, prop.copy())] = stamp
        if stamp is False:  # could not be sure of its extent: let Agg draw it
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        coverage, dx, dy = stamp
        self._blend(coverage, int(round(x)) + dx, int(round(y)) + dy, gc)

    def _rasterise(self, s, prop, angle, mtext):
        """(coverage (h, w) in 0..1, left, top relative to the text's anchor), or False."""
        w, h, _ = self.get_text_width_height_descent(s, prop, ismath=False)
        pad = int(4 + h / 2)
        if angle == 0:  # the anchor is the left end of the baseline; y grows downwards
            size, anchor = (int(w) + 2 * pad, int(h) + 2 * pad), (pad, pad + int(h))
        elif angle == 90:  # reads upwards: the baseline is vertical, the glyphs left of it
            size, anchor = (int(h) + 2 * pad, int(w) + 2 * pad), (pad + int(h), pad + int(w))
        else:  # any other angle (contour labels): room all round the anchor
            side = 2 * int(w + h) + 2 * pad
            size, anchor = (side, side), (side // 2, side // 2)
        scratch = RendererAgg(size[0], size[1], self.dpi)
        gc = scratch.new_gc()
        gc.set_foreground((0, 0, 0, 1), isRGBA=True)
        RendererAgg.draw_text(scratch, gc, anchor[0], anchor[1], s, prop, angle, mtext=mtext)
        gc.restore()
        alpha = np.asarray(scratch.buffer_rgba())[..., 3]
        rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
        if rows.size == 0:
            return np.zeros((0, 0), np.float32), 0, 0
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        if r0 == 0 or c0 == 0 or r1 == size[1] or c1 == size[0]:
            return False
        return alpha[r0:r1, c0:c1].astype(np.float32) / 255.0, c0 - anchor[0], r0 - anchor[1]

    def _blend(self, coverage, left, top, gc):
        """Paint ``coverage`` in gc's colour over the pixels from (left, top) (y downwards)."""
        pixels = np.asarray(self.buffer_rgba())
        h, w = coverage.shape
        x0, y0 = max(left, 0), max(top, 0)
        x1, y1 = min(left + w, pixels.shape[1]), min(top + h, pixels.shape[0])
        if x0 >= x1 or y0 >= y1:
            return
        rgba = gc.get_rgb()
        alpha = gc.get_alpha() if (len(rgba) == 3 or gc.get_forced_alpha()) else rgba[3]
        src_a = coverage[y0 - top : y1 - top, x0 - left : x1 - left] * alpha
        dst = pixels[y0:y1, x0:x1].astype(np.float32)
        dst_a = dst[..., 3] / 255.0
        out_a = src_a + dst_a * (1.0 - src_a)
        keep = dst_a * (1.0 - src_a) / np.where(out_a > 0, out_a, 1.0)
        for c in range(3):
            dst[..., c] = (
                255.0 * rgba[c] * (src_a / np.where(out_a > 0, out_a, 1.0)) + dst[..., c] * keep
            )
        dst[..., 3] = 255.0 * out_a
        pixels[y0:y1, x0:x1] = np.rint(dst)


@functools.cache
def font_height_hook_used():
    """True when this matplotlib lays text out through ``_get_font_height_metrics``: one text is
    drawn with a TextStampRenderer to see.  Without it (a matplotlib that dropped the private hook)
    or when that draw fails, FigureImage draws with plain Agg."""
    probe = Figure(figsize=(1, 1), dpi=72)
    probe.text(0.5, 0.5, "probe")
    renderer = TextStampRenderer(72, 72, 72)
    try:
        probe.draw(renderer)
    except Exception:  # the private contract changed: draw as matplotlib does
        return False
    return renderer.font_height_calls > 0


class FigureImage:
    """A matplotlib Figure rendered off-screen into an ``ipywidgets.Image`` (PNG).

    The first render solves the layout (constrained); later renders keep it, with titles and axis
    labels pinned, so an update redraws without measuring every tick label again, and draw with a
    TextStampRenderer, so a text seen before is copied rather than rendered again (plain Agg where
    matplotlib no longer calls its hook, or if a stamped draw fails: ``plain`` is then True).
    """

    def __init__(self, figsize, dpi=80):
        self.figure = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.figure)
        w, h = (int(round(v * dpi)) for v in figsize)
        self.widget = W.Image(
            format="png", layout=W.Layout(width=f"{w}px", max_width="100%", height="auto")
        )
        self.widget.add_class("bplearn-figure")
        self.renderer = None  # a TextStampRenderer, made once the layout is fixed
        self.plain = not font_height_hook_used()  # draw with matplotlib's own Agg renderer
        self.cpu_ms = {}  # CPU time of the last render: {"draw": ms, "png": ms}

    def render(self):
        """Draw the figure and send it to the browser; returns the PNG bytes."""
        fig = self.figure
        if self.renderer is None:
            # Solve the layout once, then keep it: re-solving on every update costs more than
            # drawing.
            fig.set_layout_engine("constrained")
            fig.canvas.draw()
            fig.set_layout_engine("none")
            _pin_axis_labels(fig)
            self.renderer = TextStampRenderer(*fig.canvas.get_width_height(physical=True), fig.dpi)
        t0 = time.process_time()
        pixels = None if self.plain else self._stamped()
        if pixels is None:
            fig.canvas.draw()
            pixels = np.asarray(fig.canvas.buffer_rgba())
        t1 = time.process_time()
        buf = io.BytesIO()
        PILImage.fromarray(pixels).convert("RGB").save(buf, format="png", compress_level=1)
        png = buf.getvalue()
        self.cpu_ms = {"draw": (t1 - t0) * 1000.0, "png": (time.process_time() - t1) * 1000.0}
        self.widget.value = png
        return png

    def _stamped(self):
        """The figure's pixels drawn with the TextStampRenderer, or None (from then on, plain) if
        that draw fails."""
        try:
            self.renderer.clear()
            self.figure.draw(self.renderer)
        except Exception:  # a matplotlib whose private text layout changed: plain Agg from now on
            self.plain = True
            return None
        return np.asarray(self.renderer.buffer_rgba())


def _pin_axis_labels(fig):
    """Keep each axis label where the layout put it (otherwise every draw measures the tick
    labels)."""
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
    """Shared machinery: timing of updates and error display (a widget never raises at a learner).

    ``last_update_ms`` is the wall time of the last update, from the new value to the PNG handed to
    the image widget; ``last_update_cpu_ms`` its CPU time (on a busy machine the wall time also
    counts waiting for a core); each FigureImage's ``cpu_ms`` splits its render into draw and PNG.
    """

    def _setup_timing(self):
        self.last_update_ms = self.last_update_cpu_ms = float("nan")
        self.update_count = 0
        self.error = W.HTML()

    def _timed(self, fn):
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            fn()
            self.error.value = ""
        except Exception as exc:  # shown in the widget; the traceback is kept for the curious
            self.error.value = (
                "<div style='color:#D55E00'><b>Could not update:</b> "
                f"{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</div>"
            )
            self.last_exception = exc
        self.last_update_ms = (time.perf_counter() - t0) * 1000.0
        self.last_update_cpu_ms = (time.process_time() - c0) * 1000.0
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
