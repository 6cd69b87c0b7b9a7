"""Widgets for notebooks: one call each, live in JupyterLab, a static first picture when run
headless.

    learning_rate_lab()        a log slider for the learning rate, SGD / momentum / Adam, the path
    on
                               a loss surface and the loss curve; diverging runs say so
    depth_lab()                depth, width, activation and initialisation against per-layer
    gradient
                               norms (log axis) and histograms of activations and gradients
    step_through(net, X, y)    Next / Previous through every event of one training step, with the
                               layer highlighted, the equation and the arrays with their shapes

Each returns an ``ipywidgets.VBox`` whose controls and state are attributes (``lab.lr_slider``,
``lab.depth_slider``, ``st.next_button``, ``st.stage_index``, ``lab.last_update_ms`` ...), so a
notebook or a test can drive it from Python.

How they stay fast: each owns one matplotlib Figure drawn off-screen (Agg) into an
``ipywidgets.Image``.  An update changes the existing artists (``set_data``), redraws and sends one
PNG; sliders use ``continuous_update=False``, so dragging sends one value when the handle is
released. The layout is solved once, and text (over half of a draw when rendered glyph by glyph) is
rasterised once per distinct string and then copied (``figure.TextStampRenderer``).

Modules: ``figure`` (the machinery the labs share), ``learning_rate``, ``depth`` and ``stepping``
(one lab each).
"""

from .depth import DepthLab, depth_lab
from .figure import FigureImage, Lab, fast_log_axis
from .learning_rate import LearningRateLab, learning_rate_lab
from .stepping import StepThrough, describe_event, step_through

__all__ = [
    "learning_rate_lab",
    "depth_lab",
    "step_through",
    "LearningRateLab",
    "DepthLab",
    "StepThrough",
    "describe_event",
    "FigureImage",
    "Lab",
    "fast_log_axis",
]
