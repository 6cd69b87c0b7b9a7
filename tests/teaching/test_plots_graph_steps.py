"""neuron_graph_step: the computational graph of notebook 03 one node at a time (the slider's
pictures)."""

import pytest

from bplearn import plots


def _node_texts(ax):
    return {
        t.get_gid()[len("node:") :]: t for t in ax.texts if (t.get_gid() or "").startswith("node:")
    }


def test_there_are_five_forward_and_ten_backward_steps_after_the_given_inputs():
    steps = plots.neuron_graph_steps()
    assert len(steps) == 16
    assert [s[2] for s in steps[1:6]] == ["p1", "p2", "z", "a", "L"]
    assert [s[2] for s in steps[6:]] == ["L", "a", "z", "p1", "p2", "b", "w1", "x1", "w2", "x2"]
    assert all(s[3].startswith("forward") for s in steps[1:6]) and all(
        s[3].startswith("backward") for s in steps[6:]
    )


def test_step_zero_shows_only_the_given_values_and_no_gradient():
    ax = plots.neuron_graph_step(0)
    texts = _node_texts(ax)
    assert "value = ?" in texts["z"].get_text() and "value = ?" in texts["L"].get_text()
    assert "value = 1.5" in texts["x1"].get_text()
    assert all("= ?" in texts[n].get_text().splitlines()[-1] for n in ("w1", "b", "a", "L"))


def test_a_backward_step_fills_in_the_gradients_right_to_left_and_highlights_the_current_node():
    ax = plots.neuron_graph_step(8, activation="tanh")
    texts, values = _node_texts(ax), ax.bplearn_values
    assert ax.bplearn_step["current"] == "z"
    for name in ("L", "a", "z"):
        assert f"= {values[name]['grad']:.4g}" in texts[name].get_text()
    for name in ("p1", "w1", "x1", "b"):
        assert texts[name].get_text().endswith("= ?")
    highlighted = [
        n
        for n, t in texts.items()
        if t.get_bbox_patch().get_facecolor()[:3] != (1.0, 1.0, 1.0)
        and t.get_bbox_patch().get_linewidth() == 2.5
    ]
    assert highlighted == ["z"]
    assert ax.get_title().startswith("Step 8 of 15: backward")


def test_the_last_step_shows_the_whole_graph_of_neuron_graph():
    last = plots.neuron_graph_step(15)
    full = plots.neuron_graph()
    assert [t.get_text() for t in _node_texts(last).values()] == [
        t.get_text() for t in _node_texts(full).values()
    ]


@pytest.mark.parametrize("step", [-1, 16])
def test_a_step_out_of_range_is_refused_with_the_range(step):
    with pytest.raises(ValueError, match="between 0 and 15"):
        plots.neuron_graph_step(step)
