"""Hooks and steps(): the events of a training step, in order, with their contents; observing
changes nothing."""

import numpy as np
import pytest

import bplearn
from bplearn import MLP, SGD, Adam, CrossEntropyLoss, Recorder, steps, train_step


def problem(activation="relu", seed=0):
    """An MLP 3-4-2 (layers Linear, act, Linear), a batch of 5 with integer labels,
    cross-entropy."""
    rng = np.random.default_rng(seed)
    net = MLP([3, 4, 2], activation=activation, seed=seed)
    return net, CrossEntropyLoss(), rng.normal(size=(5, 3)), rng.integers(0, 2, size=5)


def collect(store, copy=True):
    """A hook that appends (stage, index, name, {key: copied value}) for each event."""

    def hook(event):
        store.append(
            (
                event.stage,
                event.index,
                event.name,
                {k: np.array(v) if copy else v for k, v in event.data.items()},
            )
        )

    return hook


def test_one_training_step_emits_events_in_the_documented_order():
    net, loss, X, y = problem()
    events = []
    net.add_hook(collect(events))
    train_step(net, loss, SGD(net.parameters(), lr=0.1), X, y)
    assert [(s, i, n) for s, i, n, _ in events] == [
        ("forward", 0, "Linear(3→4)"),
        ("forward", 1, "ReLU"),
        ("forward", 2, "Linear(4→2)"),
        ("loss", None, "loss"),
        ("backward", 2, "Linear(4→2)"),
        ("backward", 1, "ReLU"),
        ("backward", 0, "Linear(3→4)"),
        ("update", 0, "0.W"),
        ("update", 0, "0.b"),
        ("update", 2, "2.W"),
        ("update", 2, "2.b"),
    ]


def test_events_carry_the_documented_keys_shapes_and_objects():
    net, loss, X, y = problem()
    opt = SGD(net.parameters(), lr=0.1)
    events = list(steps(net, loss, opt, X, y))
    fwd, loss_ev, bwd, upd = ([e for e in events if e.stage == s] for s in bplearn.STAGES)

    assert [set(e.data) for e in fwd] == [{"input", "output"}] * 3
    assert [(e.data["input"].shape, e.data["output"].shape) for e in fwd] == [
        ((5, 3), (5, 4)),
        ((5, 4), (5, 4)),
        ((5, 4), (5, 2)),
    ]
    assert [e.layer for e in fwd] == net.layers

    (loss_ev,) = loss_ev
    assert set(loss_ev.data) == {"value", "grad", "pred"} and loss_ev.layer is None
    assert isinstance(loss_ev.data["value"], float)
    assert loss_ev.data["grad"].shape == loss_ev.data["pred"].shape == (5, 2)

    assert [set(e.data) for e in bwd] == [
        {"grad_output", "grad_input", "dW", "db"},
        {"grad_output", "grad_input"},
        {"grad_output", "grad_input", "dW", "db"},
    ]
    assert [e.layer for e in bwd] == net.layers[::-1]
    assert bwd[0].data["dW"].shape == (4, 2) and bwd[0].data["db"].shape == (2,)
    # a training step asks the first layer for no dX, with or without hooks
    assert bwd[2].data["grad_input"] is None and bwd[2].data["dW"].shape == (3, 4)

    assert [set(e.data) for e in upd] == [{"old", "step", "new", "grad"}] * 4
    assert [e.layer for e in upd] == net.parameters()
    assert [e.data["new"].shape for e in upd] == [(3, 4), (4,), (4, 2), (2,)]


def test_event_contents_chain_together_and_match_the_maths():
    net, loss, X, y = problem()
    opt = SGD(net.parameters(), lr=0.1)
    W_before = [p.value.copy() for p in net.parameters()]
    events = list(steps(net, loss, opt, X, y))
    fwd = [e for e in events if e.stage == "forward"]
    (loss_ev,) = [e for e in events if e.stage == "loss"]
    bwd = [e for e in events if e.stage == "backward"]
    upd = [e for e in events if e.stage == "update"]

    np.testing.assert_array_equal(fwd[0].data["input"], X)
    for a, b in zip(fwd, fwd[1:]):  # each layer's output is the next layer's input
        np.testing.assert_array_equal(a.data["output"], b.data["input"])
    np.testing.assert_array_equal(fwd[0].data["output"], X @ W_before[0] + W_before[1])
    np.testing.assert_array_equal(loss_ev.data["pred"], fwd[-1].data["output"])
    assert loss_ev.data["value"] == CrossEntropyLoss().forward(loss_ev.data["pred"], y)
    np.testing.assert_array_equal(
        loss_ev.data["grad"], bplearn.losses.cross_entropy_backward(loss_ev.data["pred"], y)
    )

    np.testing.assert_array_equal(bwd[0].data["grad_output"], loss_ev.data["grad"])
    for a, b in zip(
        bwd, bwd[1:]
    ):  # each layer's gradient to its input is the upstream gradient of the one before
        np.testing.assert_array_equal(a.data["grad_input"], b.data["grad_output"])
    np.testing.assert_array_equal(bwd[2].data["dW"], X.T @ bwd[2].data["grad_output"])
    np.testing.assert_array_equal(bwd[2].data["db"], bwd[2].data["grad_output"].sum(axis=0))

    for e, w0, p in zip(upd, W_before, net.parameters()):
        np.testing.assert_array_equal(e.data["old"], w0)
        np.testing.assert_array_equal(e.data["new"], p.value)
        np.testing.assert_array_equal(e.data["grad"], p.grad)
        np.testing.assert_array_equal(e.data["step"], e.data["new"] - e.data["old"])
        np.testing.assert_allclose(e.data["step"], -0.1 * p.grad, rtol=1e-12, atol=1e-15)


def test_hooks_can_ask_for_some_stages_only():
    net, loss, X, y = problem()
    events = []
    net.add_hook(collect(events), stages=("backward", "loss"))
    net.add_hook(lambda e: events.append(("only-update", e.index)), stages="update")
    train_step(net, loss, SGD(net.parameters(), lr=0.1), X, y)
    assert [e[0] for e in events] == ["loss"] + ["backward"] * 3 + ["only-update"] * 4


def train(net, loss, opt, X, y, n_steps=5):
    for _ in range(n_steps):
        train_step(net, loss, opt, X, y)
    return [p.value for p in net.parameters()]


@pytest.mark.parametrize(
    "optimizer",
    [lambda ps: SGD(ps, 0.1, momentum=0.9), lambda ps: Adam(ps, lr=0.01)],
    ids=["SGD-momentum", "Adam"],
)
def test_a_network_with_hooks_and_one_without_end_bit_identical(optimizer):
    watched, loss, X, y = problem("tanh")
    plain, _, _, _ = problem("tanh")
    rec, events = Recorder(), []
    watched.add_hook(rec)
    watched.add_hook(collect(events, copy=False))
    watched.add_hook(lambda e: [np.linalg.norm(v) for v in e.data.values() if v is not None])
    after_watched = train(watched, loss, optimizer(watched.parameters()), X, y)
    after_plain = train(plain, CrossEntropyLoss(), optimizer(plain.parameters()), X, y)
    for a, b in zip(after_watched, after_plain):
        np.testing.assert_array_equal(a, b)
    assert len(events) == 5 * 11


def assert_same_events(a_events, b_events):
    assert [e[:3] for e in a_events] == [e[:3] for e in b_events]
    for a, b in zip(a_events, b_events):
        assert a[3].keys() == b[3].keys()
        for key in a[3]:
            np.testing.assert_array_equal(a[3][key], b[3][key], err_msg=f"{a[:3]} {key}")


def test_steps_yields_the_same_events_the_push_hooks_receive():
    pushed_net, loss, X, y = problem()
    pulled_net, _, _, _ = problem()
    pushed, pulled = [], []
    pushed_net.add_hook(collect(pushed))
    opt_push, opt_pull = (
        Adam(pushed_net.parameters(), lr=0.01),
        Adam(pulled_net.parameters(), lr=0.01),
    )
    for _ in range(3):
        train_step(pushed_net, loss, opt_push, X, y)
        pulled += [
            (e.stage, e.index, e.name, {k: np.array(v) for k, v in e.data.items()})
            for e in steps(pulled_net, CrossEntropyLoss(), opt_pull, X, y)
        ]
    assert len(pulled) == 3 * 11
    assert_same_events(pulled, pushed)


def test_net_forward_and_backward_send_the_same_events_as_steps():
    # Only steps() (and train_step, fit) knows the loss and the optimiser: net.forward and
    # net.backward emit the forward and backward events, loss.forward and optimizer.step() reach
    # no hook.  A training step asks for no dX (need_dX=False), so the manual step does too.
    manual_net, loss, X, y = problem()
    stepped_net, _, _, _ = problem()
    manual = []
    manual_net.add_hook(collect(manual))
    opt = SGD(manual_net.parameters(), lr=0.1)
    opt.zero_grad()
    loss.forward(manual_net.forward(X), y)
    manual_net.backward(loss.backward(), need_dX=False)
    opt.step()
    stepped = [
        (e.stage, e.index, e.name, {k: np.array(v) for k, v in e.data.items()})
        for e in steps(stepped_net, CrossEntropyLoss(), SGD(stepped_net.parameters(), lr=0.1), X, y)
    ]
    assert_same_events(manual, [e for e in stepped if e[0] in ("forward", "backward")])
    for p, q in zip(manual_net.parameters(), stepped_net.parameters()):
        np.testing.assert_array_equal(p.value, q.value)


@pytest.mark.parametrize("stop_after", range(7), ids=lambda k: f"after-event-{k}")
def test_stopping_steps_before_the_updates_leaves_the_parameters_unchanged(stop_after):
    net, loss, X, y = problem()
    before = [p.value.copy() for p in net.parameters()]
    gen = steps(net, loss, SGD(net.parameters(), lr=0.1), X, y)
    for k, event in enumerate(gen):  # events 0..6: forward x3, loss, backward x3
        assert event.stage != "update"
        if k == stop_after:
            break
    gen.close()
    for p, w in zip(net.parameters(), before):
        np.testing.assert_array_equal(p.value, w)


def test_a_handle_used_as_a_context_manager_removes_its_hook_at_the_end_of_the_block():
    net, _, X, _ = problem()
    calls = []
    with net.add_hook(lambda e: calls.append(e.index)) as handle:
        net.forward(X)
    net.forward(X)
    assert calls == [0, 1, 2] and net._hooks == []
    handle.remove()  # removing again is harmless


def test_handle_remove_stops_the_hook_and_can_be_called_twice():
    net, loss, X, y = problem()
    calls = []
    handle = net.add_hook(lambda e: calls.append(e.stage))
    other = net.add_hook(lambda e: calls.append("other"), stages="loss")
    opt = SGD(net.parameters(), lr=0.1)
    train_step(net, loss, opt, X, y)
    assert len(calls) == 12
    handle.remove()
    handle.remove()
    train_step(net, loss, opt, X, y)
    assert calls[12:] == ["other"]
    other.remove()
    train_step(net, loss, opt, X, y)
    net.forward(X)
    assert len(calls) == 13


@pytest.mark.parametrize("stage", bplearn.STAGES)
def test_event_arrays_are_read_only_so_a_hook_cannot_change_a_number(stage):
    net, loss, X, y = problem()
    plain, _, _, _ = problem()
    refused = []

    def vandal(event):
        for key, value in event.data.items():
            if isinstance(value, np.ndarray):
                with pytest.raises(ValueError, match="read-only"):
                    value[...] = 0.0
                refused.append(key)

    net.add_hook(vandal, stages=stage)
    after = train(net, loss, SGD(net.parameters(), lr=0.1), X, y, n_steps=2)
    expected = train(plain, CrossEntropyLoss(), SGD(plain.parameters(), lr=0.1), X, y, n_steps=2)
    assert refused
    for a, b in zip(after, expected):
        np.testing.assert_array_equal(a, b)


def test_a_hook_that_writes_into_an_event_array_raises():
    net, loss, X, y = problem()

    def zero_output(event):
        event.data["output"][:] = 0.0

    net.add_hook(zero_output, stages="forward")
    with pytest.raises(ValueError, match="read-only"):
        net.forward(X)


def test_add_hook_rejects_unknown_stages_and_non_callables():
    net, _, _, _ = problem()
    with pytest.raises(ValueError, match="unknown stage 'forwards'"):
        net.add_hook(print, stages=("forwards",))
    with pytest.raises(TypeError, match="must be callable"):
        net.add_hook("print")


def test_predict_calls_no_hooks_but_forward_does():
    net, _, X, _ = problem()
    calls = []
    net.add_hook(lambda e: calls.append(e.index))
    np.testing.assert_array_equal(net.predict(X), net.forward(X))
    assert calls == [0, 1, 2]


# ---------------------------------------------------------------- Recorder


def recorded_training(n_steps=4, activation="tanh"):
    net, loss, X, y = problem(activation)
    rec = Recorder()
    handle = net.add_hook(rec)
    opt = SGD(net.parameters(), lr=0.1)
    snapshots = []
    for _ in range(n_steps):
        snapshots.append([p.value.copy() for p in net.parameters()])
        train_step(net, loss, opt, X, y)
    handle.remove()
    return net, loss, X, y, rec, snapshots


def test_recorder_series_have_one_value_per_step_for_each_layer():
    *_, rec, _ = recorded_training(n_steps=4)
    assert rec.stats() == ["act_mean", "act_std", "grad_norm", "saturation", "update_ratio"]
    for stat in ("act_mean", "act_std", "saturation"):
        series = rec.series(stat)
        assert list(series) == ["1: Tanh"]
        assert all(len(v) == 4 for v in series.values())
    for stat in ("grad_norm", "update_ratio"):
        series = rec.series(stat)
        assert list(series) == ["0: Linear(3→4)", "2: Linear(4→2)"]
        assert all(len(v) == 4 for v in series.values())


def test_recorder_values_match_a_direct_computation():
    net, loss, X, y, rec, snapshots = recorded_training(n_steps=3)
    fresh, _, _, _ = problem("tanh")
    for k, weights in enumerate(snapshots):
        for p, w in zip(fresh.parameters(), weights):
            p.value = w.copy()
        fresh.zero_grad()
        Z1 = X @ weights[0] + weights[1]
        A1 = np.tanh(Z1)
        loss.forward(fresh.forward(X), y)
        fresh.backward(loss.backward())
        dW0, dW2 = fresh.layers[0].W.grad, fresh.layers[2].W.grad
        assert rec.series("grad_norm")["0: Linear(3→4)"][k] == pytest.approx(
            np.linalg.norm(dW0), rel=1e-12
        )
        assert rec.series("grad_norm")["2: Linear(4→2)"][k] == pytest.approx(
            np.linalg.norm(dW2), rel=1e-12
        )
        assert rec.series("act_mean")["1: Tanh"][k] == pytest.approx(A1.mean(), rel=1e-12)
        assert rec.series("act_std")["1: Tanh"][k] == pytest.approx(A1.std(), rel=1e-12)
        assert rec.series("saturation")["1: Tanh"][k] == np.mean(np.abs(A1) > 0.99)
        ratio = np.linalg.norm(0.1 * dW0) / np.linalg.norm(weights[0])
        assert rec.series("update_ratio")["0: Linear(3→4)"][k] == pytest.approx(ratio, rel=1e-10)
    np.testing.assert_allclose(rec.last_activations[1], A1, rtol=1e-15)


def test_recorder_saturation_of_relu_is_the_fraction_of_inactive_units():
    net, loss, X, y = problem("relu")
    rec = Recorder()
    net.add_hook(rec)
    Z1 = X @ net.layers[0].W.value + net.layers[0].b.value
    train_step(net, loss, SGD(net.parameters(), lr=0.1), X, y)
    assert rec.series("saturation")["1: ReLU"][0] == np.mean(Z1 <= 0)


def test_recorder_counts_the_zero_outputs_of_a_hand_written_relu_as_saturated_and_knows_its_linear_by_its_w():
    class MyLinear(
        bplearn.layers.Layer
    ):  # written as in the capstone: a Layer, not bplearn's classes
        def __init__(self, W):
            self.W, self.b = bplearn.Parameter(W, "W"), bplearn.Parameter(np.zeros(W.shape[1]), "b")

        def forward(self, X):
            self.X = X
            return X @ self.W.value + self.b.value

        def backward(self, dZ):
            self.W.grad += self.X.T @ dZ
            self.b.grad += dZ.sum(axis=0)
            return dZ @ self.W.value.T

    class MyReLU(bplearn.layers.Layer):
        def forward(self, Z):
            self.Z = Z
            return np.maximum(Z, 0)

        def backward(self, dA):
            return dA * (self.Z > 0)

    rng = np.random.default_rng(5)
    net = bplearn.Sequential(
        MyLinear(rng.normal(size=(3, 4))), MyReLU(), MyLinear(rng.normal(size=(4, 2)))
    )
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=6)
    Z1 = X @ net.layers[0].W.value  # the ReLU's input in the step below (b = 0)
    rec = Recorder()
    with net.add_hook(rec):
        train_step(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y)
    assert rec.series("saturation")["1: MyReLU"][0] == np.mean(Z1 <= 0) > 0
    assert (
        list(rec.series("grad_norm"))
        == list(rec.series("update_ratio"))
        == ["0: MyLinear", "2: MyLinear"]
    )
    assert list(rec.series("act_mean")) == ["1: MyReLU"]


def test_recorder_keeps_the_last_steps_activations_and_gradients():
    net, loss, X, y, rec, _ = recorded_training(n_steps=2)
    assert set(rec.last_activations) == {1}
    assert set(rec.last_grads) == {0, 2}
    assert rec.last_grads[2].shape == (5, 2) and rec.last_grads[0].shape == (5, 4)


def test_recorder_rejects_an_unknown_statistic_and_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown statistic 'grad'.*grad_norm.*update_ratio"):
        Recorder().series("grad")


def test_recorder_works_through_fit_hooks():
    net, loss, X, y = problem()
    rec = Recorder()
    history = bplearn.fit(
        net,
        loss,
        SGD(net.parameters(), lr=0.1),
        X,
        y,
        epochs=3,
        batch_size=2,
        progress=False,
        hooks=[rec],
    )
    assert len(history.step_loss) == 9
    assert all(len(v) == 9 for v in rec.series("grad_norm").values())


def test_backward_can_skip_the_gradient_for_the_data_without_changing_any_parameter_gradient():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, 8)
    nets = [bplearn.MLP([3, 4, 2], activation="tanh", seed=1) for _ in range(2)]
    dX = {}
    for need_dX, net in zip((True, False), nets):
        loss = bplearn.CrossEntropyLoss()
        loss.forward(net.forward(X), y)
        dX[need_dX] = net.backward(loss.backward(), need_dX=need_dX)
    assert dX[True].shape == (8, 3) and dX[False] is None
    for p, q in zip(*(n.parameters() for n in nets)):
        np.testing.assert_array_equal(p.grad, q.grad)


class AskedLinear(bplearn.Linear):
    """A Linear that notes whether each backward call was asked for dX."""

    asked = None

    def backward(self, dZ, need_dX=True):
        self.asked.append(need_dX)
        return super().backward(dZ, need_dX)


def test_a_hook_does_not_change_the_work_backward_does():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, 8)
    asked = {}
    for hooked in (False, True):
        first, last = AskedLinear(3, 4, seed=1), AskedLinear(4, 2, seed=2)
        first.asked = last.asked = []
        net = bplearn.Sequential(first, bplearn.Tanh(), last)
        opt, loss = bplearn.SGD(net.parameters(), lr=0.1), bplearn.CrossEntropyLoss()
        seen = []
        if hooked:
            net.add_hook(lambda e: seen.append((e.index, e.data["grad_input"])), stages="backward")
        bplearn.train_step(net, loss, opt, X, y)
        asked[hooked] = list(first.asked)
    assert asked[False] == asked[True] == [True, False]  # last layer, then the first without dX
    assert [i for i, _ in seen] == [2, 1, 0] and seen[-1][1] is None
    assert seen[0][1].shape == (8, 4) and seen[1][1].shape == (8, 4)


@pytest.mark.parametrize(
    "layer",
    [
        bplearn.Linear(3, 3, seed=0),
        bplearn.Sigmoid(),
        bplearn.Tanh(),
        bplearn.ReLU(),
        bplearn.LeakyReLU(0.1),
        bplearn.Identity(),
        bplearn.LayerNorm(3),
        bplearn.Residual(bplearn.LayerNorm(3), bplearn.Linear(3, 3, seed=1), bplearn.ReLU()),
    ],
    ids=lambda layer: layer.name,
)
def test_every_layer_skips_dX_when_not_asked_and_gives_the_same_parameter_gradients(layer):
    rng = np.random.default_rng(5)
    X, dY = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    grads = {}
    for need_dX in (True, False):
        for p in layer.parameters():
            p.zero_grad()
        layer.forward(X)
        dX = layer.backward(dY, need_dX=need_dX)
        assert (dX is None) == (not need_dX) and (dX is None or dX.shape == X.shape)
        grads[need_dX] = [p.grad.copy() for p in layer.parameters()]
    for with_dX, without in zip(grads[True], grads[False]):
        np.testing.assert_array_equal(with_dX, without)
