import numpy as np
import pytest

from bplearn import numerical_gradient, plots


def _loss(params, x=(1.5, -0.5), y=1.0, activation="sigmoid"):
    w1, w2, b = params
    return plots.neuron_values(x=x, w=(w1, w2), b=b, y=y, activation=activation)["L"]["value"]


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_neuron_values_gradients_match_finite_differences(activation):
    v = plots.neuron_values(x=(1.5, -0.5), w=(0.8, -1.2), b=0.1, y=1.0, activation=activation)
    analytic = np.array([v["w1"]["grad"], v["w2"]["grad"], v["b"]["grad"]])
    numeric = numerical_gradient(
        lambda p: _loss(p, activation=activation), np.array([0.8, -1.2, 0.1])
    )
    assert np.allclose(analytic, numeric, atol=1e-7)


def test_neuron_values_forward_matches_the_formula():
    v = plots.neuron_values(x=(1.0, 2.0), w=(0.5, -0.25), b=0.2, y=0.0)
    z = 0.5 * 1.0 - 0.25 * 2.0 + 0.2
    a = 1 / (1 + np.exp(-z))
    assert v["z"]["value"] == pytest.approx(z) and v["L"]["value"] == pytest.approx(a**2)


def test_neuron_graph_writes_every_node_value_and_gradient_on_the_picture():
    ax = plots.neuron_graph()
    text = "\n".join(t.get_text() for t in ax.texts)
    for name, node in ax.bplearn_values.items():
        assert f"value = {node['value']:.4g}" in text
        if node["grad"] is not None:
            assert f"= {node['grad']:.4g}" in text
    assert len([t for t in ax.texts if (t.get_gid() or "").startswith("node:")]) == 11
    assert "forward" in text and "backward" in text and ax.get_title()


def test_neuron_graph_rejects_an_unknown_activation():
    with pytest.raises(ValueError, match="activation"):
        plots.neuron_graph(activation="softplus")
