"""Plots that let a learner see what backpropagation does (matplotlib; the core never imports this).

Every function returns its figure or axes, and takes ``ax=`` when it draws a single panel, so a
notebook can adjust it.  Colours come from the Okabe–Ito palette and every series also differs
in line style or marker.

    loss_curves(history)                         accuracy_curves(history)
    decision_boundary(net, X, y)                 boundary_evolution(net, loss, opt, X, y, at_steps)
    network_diagram(net, color_by="gradient")    neuron_graph(x, w, b, y)
    neuron_graph_step(step, x, w, b, y)         neuron_graph_steps()
    compare_gradient_norms(X, y, depth=10)       gradient_norms_by_layer({label: norms})
    learning_speed(recorder)                     compare_histograms(X, y, inits=("normal",
    "xavier"))
    layer_histograms({label: recorder})          loss_surface(problem, [optimise(problem, "sgd",
    lr)])
    learning_rate_comparison()
"""

from .boundary import boundary_evolution, decision_boundary
from .curves import accuracy_curves, loss_curves
from .diagram import NetworkDiagram, network_diagram
from .gradients import (
    compare_gradient_norms,
    compare_histograms,
    gradient_norms_by_layer,
    layer_gradient_norms,
    layer_histograms,
    learning_speed,
    probe,
)
from .graph import neuron_graph, neuron_graph_step, neuron_graph_steps, neuron_values
from .race import (
    RaceResult,
    line_problem,
    optimiser_race,
    race,
    race_plot,
    race_table,
    steps_to_settle,
)
from .style import OKABE_ITO, PALETTE, series_style
from .surface import (
    OptimizerPath,
    TwoParameterProblem,
    learning_rate_comparison,
    line_fit_problem,
    loss_curve,
    loss_surface,
    optimise,
)

__all__ = [
    "loss_curves",
    "accuracy_curves",
    "decision_boundary",
    "boundary_evolution",
    "network_diagram",
    "NetworkDiagram",
    "neuron_graph",
    "neuron_graph_step",
    "neuron_graph_steps",
    "neuron_values",
    "gradient_norms_by_layer",
    "compare_gradient_norms",
    "learning_speed",
    "layer_histograms",
    "compare_histograms",
    "layer_gradient_norms",
    "probe",
    "loss_surface",
    "loss_curve",
    "learning_rate_comparison",
    "line_fit_problem",
    "optimise",
    "OptimizerPath",
    "TwoParameterProblem",
    "OKABE_ITO",
    "PALETTE",
    "series_style",
]
