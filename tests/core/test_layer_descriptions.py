"""Every layer describes itself (issue 21): its Description names the arrays its backward event
carries, so the teaching layer can show them without knowing the layer's kind."""

import numpy as np
import pytest

import bplearn as bp
from bplearn.layers import ACTIVATIONS, Description

KINDS = [
    bp.Linear(3, 3, seed=0),
    *(cls() for cls in ACTIVATIONS.values()),
    bp.LayerNorm(3),
    bp.Residual(bp.LayerNorm(3), bp.Linear(3, 3, seed=1), bp.ReLU()),
]


@pytest.mark.parametrize("layer", KINDS, ids=lambda layer: layer.name)
def test_a_description_names_exactly_the_gradients_its_backward_event_carries(layer):
    desc = layer.describe()
    assert isinstance(desc, Description) and desc.forward and desc.backward
    assert desc.params == tuple(name for name, _ in layer.named_parameters())
    net = bp.Sequential(layer)
    events = []
    net.add_hook(events.append, stages="backward")
    net.forward(np.ones((2, 3)))
    net.backward(np.ones((2, 3)))
    (event,) = events
    assert set(event.data) == {"grad_output", "grad_input"} | {"d" + p for p in desc.params}


def test_linear_is_drawn_as_edges_through_its_w_and_nothing_else_is():
    assert [layer.describe().edges for layer in KINDS] == ["W"] + [""] * (len(KINDS) - 1)


def test_a_residual_block_lists_its_parts_in_order():
    block = KINDS[-1]
    desc = block.describe()
    assert desc.forward.startswith("Y = X + F(X)") and "dX = dY + " in desc.backward
    assert desc.parts == tuple(layer.describe() for layer in block.layers)
    assert desc.parts[1].forward == "Z = X @ W + b"
