import numpy as np

import bplearn as bp
from bplearn import plots


def _edges(ax):
    return ax.bplearn_diagram.edges


def test_network_diagram_draws_one_column_of_units_per_layer_and_one_edge_set_per_linear_layer(
    small_net,
):
    ax = plots.network_diagram(small_net)
    d = ax.bplearn_diagram
    assert d.sizes == [2, 5, 4, 3]
    assert len(_edges(ax)) == 3
    assert [len(lc.get_segments()) for lc, _ in _edges(ax)] == [10, 20, 12]
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "input X" in texts and "output Ŷ" in texts and "Tanh" in texts
    assert "forward" in texts and "backward" in texts and ax.get_title()


def test_network_diagram_sizes_edges_by_weight_magnitude(small_net):
    ax = plots.network_diagram(small_net, color_by="weight")
    lc, idx = _edges(ax)[0]
    W = small_net.layers[0].W.value
    widths = np.asarray(lc.get_linewidths())
    weights = np.abs(W[idx[:, 0], idx[:, 1]])
    assert np.argmax(widths) == np.argmax(weights)
    assert len(ax.figure.axes) == 2  # the diagram and its colour bar


def test_network_diagram_colours_by_gradient_after_a_backward_pass(small_net, spirals):
    X, y = spirals
    loss = bp.CrossEntropyLoss()
    loss.forward(small_net.forward(X), y)
    small_net.backward(loss.backward())
    ax = plots.network_diagram(small_net, color_by="gradient")
    lc, idx = _edges(ax)[1]
    dW = np.abs(small_net.layers[2].W.grad)
    assert np.argmax(lc.get_linewidths()) == np.argmax(dW[idx[:, 0], idx[:, 1]])
    assert "gradient" in ax.get_title()


def test_network_diagram_elides_wide_layers_and_accepts_a_list_of_sizes():
    ax = plots.network_diagram([3, 100, 1], max_units=6)
    d = ax.bplearn_diagram
    assert d.shown[1] == [0, 1, 2, 3, -1, 99]
    assert any(t.get_text() == "⋮" for t in ax.texts)
    assert any("100 units" in t.get_text() for t in ax.texts)


def test_network_diagram_highlight_covers_the_layer_between_its_columns(small_net):
    ax = plots.network_diagram(small_net, highlight=2, stage="backward")
    d = ax.bplearn_diagram
    box = d._highlight.get_bbox()
    assert d._highlight.get_visible()
    assert d.x[1] < box.x0 < box.x1 < d.x[2]  # Linear layer 2 maps column 1 to column 2
    d.highlight(None, "loss")
    assert d._highlight.get_bbox().x0 > d.x[-1]
