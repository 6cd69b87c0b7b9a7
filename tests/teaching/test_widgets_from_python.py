import io

import ipywidgets as W
import numpy as np
import pytest
from PIL import Image

import bplearn as bp
from bplearn import widgets


def _png_size(png):
    return Image.open(io.BytesIO(png)).size


# ---------------------------------------------------------------- learning-rate lab
def test_learning_rate_lab_is_one_widget_with_a_log_slider_from_1e_4_to_10():
    lab = widgets.learning_rate_lab()
    assert isinstance(lab, W.VBox)
    s = lab.lr_slider
    assert isinstance(s, W.FloatLogSlider) and s.base == 10 and (s.min, s.max) == (-4, 1)
    assert not s.continuous_update
    assert lab.optimizer_buttons.options == ("SGD", "momentum", "Adam") or [
        v for _, v in lab.optimizer_buttons._options_full
    ] == ["sgd", "momentum", "adam"]
    assert _png_size(lab.image.value)[0] > 300  # a first picture, before any interaction


def test_learning_rate_lab_redraws_the_path_when_the_slider_moves():
    lab = widgets.learning_rate_lab(lr=0.01)
    before = lab.image.value
    lab.lr_slider.value = 0.2
    assert lab.path.lr == pytest.approx(0.2)
    assert np.allclose(lab.path_line.get_xydata(), lab.path.points)
    assert len(lab.loss_line.get_xdata()) == len(lab.path.losses)
    assert lab.image.value != before and lab.update_count == 1


def test_learning_rate_lab_marks_a_diverging_run_with_a_message_not_an_exception():
    lab = widgets.learning_rate_lab()
    lab.lr_slider.value = 10.0
    assert lab.path.diverged
    assert "Diverged" in lab.message.value and lab.surface_note.get_visible()
    assert len(lab.end_marker.get_xdata()) == 1 and lab.error.value == ""
    lab.lr_slider.value = 0.05
    assert not lab.surface_note.get_visible() and "Diverged" not in lab.message.value


def test_learning_rate_lab_switches_optimiser_and_step_count():
    lab = widgets.learning_rate_lab()
    lab.optimizer_buttons.value = "adam"
    lab.steps_slider.value = 100
    assert lab.path.optimizer == "adam" and len(lab.path.points) == 101
    assert "adam" in lab.ax_surface.get_title()


def test_learning_rate_lab_rejects_an_unknown_optimiser():
    with pytest.raises(ValueError, match="optimizer"):
        widgets.learning_rate_lab(optimizer="rmsprop")


# ---------------------------------------------------------------- depth lab
def test_depth_lab_offers_the_issue_s_ranges_and_choices():
    lab = widgets.depth_lab()
    assert (lab.depth_slider.min, lab.depth_slider.max) == (1, 30)
    assert [v for _, v in lab.activation_dropdown._options_full] == [
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
    ]
    assert [v for _, v in lab.init_dropdown._options_full] == ["normal", "xavier", "he"]
    assert not lab.depth_slider.continuous_update and not lab.width_slider.continuous_update


def test_depth_lab_plots_one_gradient_norm_per_linear_layer_on_a_log_axis():
    lab = widgets.depth_lab(depth=4, width=8)
    assert len(lab.norm_line.get_xdata()) == 5 and lab.ax_norms.get_yscale() == "log"
    lab.depth_slider.value = 9
    assert len(lab.net.linear_indices()) == 10
    assert len(lab.norm_line.get_xdata()) == 10 and np.allclose(
        lab.norm_line.get_ydata(), lab.norms
    )
    assert "9 hidden layers" in lab.figure.get_suptitle()


def test_depth_lab_histograms_show_at_most_five_layers_activations_linear_and_gradients_log():
    lab = widgets.depth_lab(depth=12, width=8)
    shown = [l for l in lab.act_lines if len(l.get_xdata())]
    assert len(shown) == 5 and lab.hist_layers[0] == "layer 1" and lab.hist_layers[-1] == "layer 12"
    assert lab.ax_grads.get_xscale() == "log" and lab.ax_acts.get_xscale() == "linear"
    lab.depth_slider.value = 2
    assert len([l for l in lab.grad_lines if len(l.get_xdata())]) == 2


def test_depth_lab_std_slider_is_enabled_only_for_the_normal_init():
    lab = widgets.depth_lab(init="normal")
    assert not lab.std_slider.disabled
    lab.init_dropdown.value = "he"
    assert lab.std_slider.disabled
    lab.init_dropdown.value = "normal"
    lab.std_slider.value = 0.01
    assert np.std(lab.net.layers[2].W.value) == pytest.approx(0.01, rel=0.2)


def test_depth_lab_xavier_tanh_keeps_gradients_flowing_better_than_large_normal_sigmoid():
    lab = widgets.depth_lab(depth=10, width=32, activation="sigmoid", init="normal", std=1.0)
    sigmoid_ratio = lab.norms[0] / lab.norms[-1]
    lab.activation_dropdown.value = "tanh"
    lab.init_dropdown.value = "xavier"
    assert lab.norms[0] / lab.norms[-1] > 10 * sigmoid_ratio


def test_depth_lab_train_button_plots_speed_of_learning_then_hides_it_when_settings_change():
    lab = widgets.depth_lab(depth=3, width=8, train_steps=6)
    assert lab.speed_image.layout.display == "none"
    lab.train_button.click()
    assert lab.error.value == "" and lab.speed is not None
    assert len(lab.speed) == 4 and all(len(v) == 6 for v in lab.speed.values())
    assert lab.speed_image.layout.display is None and lab.ax_speed.get_yscale() == "log"
    assert "Trained 6 steps" in lab.status.value
    lab.width_slider.value = 9
    assert lab.speed is None and lab.speed_image.layout.display == "none"


# ---------------------------------------------------------------- step-through
def test_step_through_walks_every_event_of_one_training_step_in_order():
    st = widgets.step_through()
    stages = [e.stage for e in st.events]
    assert stages == ["forward"] * 3 + ["loss"] + ["backward"] * 3 + ["update"] * 4
    assert st.stage_index == 0 and (st.stage_slider.min, st.stage_slider.max) == (1, len(st.events))


def test_step_through_next_and_previous_buttons_move_one_stage_and_stop_at_the_ends():
    st = widgets.step_through()
    st.prev_button.click()
    assert st.stage_index == 0
    for _ in range(3):
        st.next_button.click()
    assert st.stage_index == 3 and st.event.stage == "loss"
    st.prev_button.click()
    assert st.stage_index == 2
    for _ in range(20):
        st.next_button.click()
    assert st.stage_index == len(st.events) - 1


def test_step_through_shows_the_equation_and_the_arrays_with_their_shapes():
    st = widgets.step_through()
    assert "Z = X @ W + b" in st.equation.value
    assert "shape (4, 2)" in st.arrays.value and "shape (2, 3)" in st.arrays.value
    st.go(4)  # backward through the last Linear layer
    assert "dW = X.T @ dZ" in st.equation.value and "dX = dZ @ W.T" in st.equation.value
    assert "db = sum over the batch of dZ" in st.equation.value
    st.go(5)
    assert "dZ = dA * f′(Z)" in st.equation.value
    st.go(7)
    assert "W ← W − η" in st.equation.value and "0.W" in st.title.value


def test_step_through_highlights_the_layer_of_the_current_event_on_the_diagram():
    st = widgets.step_through()
    d = st.diagram
    st.go(2)  # forward through Linear(3→2): columns 1 → 2
    box = d._highlight.get_bbox()
    assert d.x[1] < box.x0 < box.x1 < d.x[2]
    before = st.image.value
    st.go(3)  # the loss, right of the output column
    assert d._highlight.get_bbox().x0 > d.x[-1] and st.image.value != before


def test_step_through_colours_only_layers_that_backward_has_reached():
    st = widgets.step_through()
    st.go(4)  # backward through the last Linear only
    first, last = st.diagram.edges[0][0], st.diagram.edges[1][0]
    assert np.allclose(first.get_colors()[0][:3], [0.75] * 3)
    assert not np.allclose(last.get_colors()[0][:3], [0.75] * 3)


def test_step_through_ran_a_real_training_step_with_the_library():
    net = bp.MLP([2, 3, 2], activation="tanh", init="xavier", seed=0)
    X, y = bp.data.xor(n=4, noise=0.1, seed=0)
    before = net.layers[0].W.value.copy()
    st = widgets.step_through(net, X, y, lr=0.5)
    update = [e for e in st.events if e.stage == "update" and e.name == "0.W"][0]
    assert np.allclose(update.data["old"], before)
    assert np.allclose(net.layers[0].W.value, before - 0.5 * update.data["grad"])
    st.new_step_button.click()
    assert st.step_number == 2 and st.stage_index == 0 and "step 2" in st.title.value


def test_step_through_accepts_a_regression_net_with_mse():
    X = np.linspace(-1, 1, 6)[:, None]
    Y = X**2
    st = widgets.step_through(bp.MLP([1, 4, 1], activation="relu", seed=0), X, Y)
    st.go(st.events.index([e for e in st.events if e.stage == "loss"][0]))
    assert "Y_hat − Y" in st.equation.value and st.error.value == ""
