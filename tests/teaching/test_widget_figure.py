"""The figure machinery: text stamped from a cache looks like Agg's own, and a redraw is
reproducible."""

import io
from pathlib import Path

import matplotlib
import numpy as np
import tomllib
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from packaging.requirements import Requirement
from PIL import Image as PILImage

from bplearn import widgets
from bplearn.widgets import figure as figure_module
from bplearn.widgets.figure import FigureImage, TextStampRenderer


def _figure():
    fig = Figure(figsize=(4, 3), dpi=80)
    ax = fig.subplots()
    ax.plot([1, 2, 3], [3, 1, 2], label="a line")
    ax.set_title("A title with numbers 0.125", color="#D55E00")
    ax.set_xlabel("step")
    ax.set_ylabel("loss L (rotated)")
    ax.legend(loc="upper right")
    fig.suptitle("mathtext goes through Agg: $\\alpha^2$")
    return fig


def _draw(fig, renderer_class, times=1):
    w, h = (int(v) for v in fig.bbox.size)
    r = renderer_class(w, h, fig.dpi)
    for _ in range(times):
        r.clear()
        fig.draw(r)
    return np.asarray(r.buffer_rgba())[..., :3].astype(float)


def _blur(img):
    """3 x 3 box blur: a shift of half a pixel becomes a small difference."""
    p = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
    return (
        sum(p[i : i + img.shape[0], j : j + img.shape[1]] for i in range(3) for j in range(3)) / 9
    )


def test_stamped_text_matches_agg_within_half_a_pixel_and_keeps_its_colour():
    fig = _figure()
    agg, stamped = (
        _draw(fig, RendererAgg),
        _draw(fig, TextStampRenderer, times=2),
    )  # 2nd draw: from cache
    ink_agg, ink_stamped = (255 - agg).sum(), (255 - stamped).sum()
    assert abs(ink_stamped - ink_agg) < 0.02 * ink_agg  # every text is there, once
    diff = np.abs(_blur(agg) - _blur(stamped))
    assert diff.mean() < 1.0 and diff.max() < 80
    orange_agg, orange_stamped = ((img[..., 0] - img[..., 2] > 60).sum() for img in (agg, stamped))
    assert (
        orange_stamped > 50 and abs(orange_stamped - orange_agg) < 0.2 * orange_agg
    )  # the title's colour


def test_the_same_slider_value_gives_a_byte_identical_picture():
    lab = widgets.depth_lab(depth=3, width=8)
    pictures = []
    for depth in (4, 3, 4, 3):
        lab.depth_slider.value = depth
        pictures.append(bytes(lab.image.value))
    assert pictures[0] != pictures[1]
    assert pictures[0] == pictures[2] and pictures[1] == pictures[3]


# ---------------------------------------------------------------- the private matplotlib hook
def _text_figure_image():
    view = FigureImage((3, 2), dpi=72)
    ax = view.figure.subplots()
    ax.plot([0, 1], [1, 0])
    ax.set_title("a title")
    return view


def _plain_png(view):
    """The same figure drawn by matplotlib's own Agg renderer, as FigureImage encodes it."""
    view.figure.canvas.draw()
    buf = io.BytesIO()
    pixels = np.asarray(view.figure.canvas.buffer_rgba())
    PILImage.fromarray(pixels).convert("RGB").save(buf, format="png", compress_level=1)
    return buf.getvalue()


def test_matplotlib_still_calls_the_font_height_hook_the_stamping_renderer_answers():
    # Fails when matplotlib stops asking renderers for _get_font_height_metrics: then figures fall
    # back to plain Agg (slower), and the bound on matplotlib in pyproject.toml should be revisited.
    figure_module.font_height_hook_used.cache_clear()
    assert figure_module.font_height_hook_used()
    view = _text_figure_image()
    view.render()
    calls = view.renderer.font_height_calls
    view.render()
    assert not view.plain and calls > 0 and view.renderer.font_height_calls > calls


def test_without_the_private_hook_a_figure_is_drawn_by_plain_agg(monkeypatch):
    monkeypatch.delattr(TextStampRenderer, "_get_font_height_metrics")  # as a newer matplotlib
    figure_module.font_height_hook_used.cache_clear()
    try:
        view = _text_figure_image()
        png = view.render()
        assert view.plain and png == _plain_png(view)
    finally:
        figure_module.font_height_hook_used.cache_clear()


def test_a_stamped_draw_that_fails_falls_back_to_plain_agg_for_good(monkeypatch):
    def changed_contract(self, *args, **kwargs):
        raise TypeError("draw_text() got an unexpected keyword argument")

    view = _text_figure_image()
    assert not view.plain
    monkeypatch.setattr(TextStampRenderer, "draw_text", changed_contract)
    png = view.render()
    assert view.plain and png == _plain_png(view) and view.render() == png


def test_installed_matplotlib_is_within_the_bound_in_pyproject_that_the_hook_was_tested_with():
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]
    (spec,) = [Requirement(d) for d in project["dependencies"] if d.startswith("matplotlib")]
    assert any(clause.operator == "<" for clause in spec.specifier), (
        "matplotlib needs an upper bound"
    )
    assert spec.specifier.contains(matplotlib.__version__), (matplotlib.__version__, str(spec))
