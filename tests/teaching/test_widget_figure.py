"""The figure machinery: text stamped from a cache looks like Agg's own, and a redraw is
reproducible."""

import numpy as np
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure

from bplearn import widgets
from bplearn.widgets.figure import TextStampRenderer


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
