"""The exercises of notebooks 07-09 (bplearn/exercises/nb07_vanishing.py and nb09_capstone.py): the
reference passes, an unfinished answer is "not implemented", common mistakes get their diagnosis,
correct alternatives pass, and a verdict judged from evidence written to disk (as ``bplearn grade``
does) is the same as in the notebook.
"""
import numpy as np
import pytest

import bplearn as bp
from bplearn.exercises import evidence, get
from bplearn.exercises.nb07_vanishing import decay_rate, layer_grad_norms
from bplearn.exercises.nb09_capstone import CapstoneAdam, CapstoneReLU, linear_he
from bplearn.init import he_normal
from bplearn.layers import Layer, Parameter, linear_backward, linear_forward, relu, relu_backward
from bplearn.optim import Optimizer, adam_step


def verdict(exercise_id, answer):
    exercise = get(exercise_id)
    return exercise.judge(exercise.collect(answer))


def not_implemented(*args, **kwargs):
    raise NotImplementedError


# ---------------------------------------------------------------- layer_grad_norms

def hook_norms(order=1, zero_grad=True, remove=True, what="dW", guard=True):
    """A learner's layer_grad_norms with one of the common mistakes."""
    def answer(net, loss, X, Y):
        norms = []

        def record(event):
            if not guard or "dW" in event.data:
                norms.append(np.linalg.norm(event.data[what]))

        handle = net.add_hook(record, stages="backward")
        if zero_grad:
            net.zero_grad()
        loss.forward(net.forward(X), Y)
        net.backward(loss.backward())
        if remove:
            handle.remove()
        return np.array(norms[::-order])
    return answer


def recorder_norms(net, loss, X, Y):
    rec = bp.Recorder()
    handle = net.add_hook(rec)
    net.zero_grad()
    loss.forward(net.forward(X), Y)
    net.backward(loss.backward())
    handle.remove()
    return [v[-1] for v in rec.series("grad_norm").values()]


@pytest.mark.parametrize("answer", [layer_grad_norms, hook_norms(), recorder_norms], ids=["reference", "hook", "recorder"])
def test_layer_grad_norms_right_answers_pass(answer):
    assert verdict("layer_grad_norms", answer).passed


@pytest.mark.parametrize("answer, code, words", [
    (not_implemented, "not_implemented", "Not implemented"),
    (hook_norms(order=-1), "wrong_values", "reverse order"),
    (hook_norms(zero_grad=False), "wrong_values", "zero_grad"),
    (hook_norms(remove=False), "mutates_input", "handle.remove()"),
    (hook_norms(what="grad_output"), "wrong_values", "grad_output"),
    (hook_norms(guard=False), "error", "only the events of Linear layers"),
    (lambda net, loss, X, Y: layer_grad_norms(net, loss, X, Y) ** 2, "scale", "square"),
], ids=["template", "reversed", "no_zero_grad", "hook_left", "dZ", "key_error", "squared"])
def test_layer_grad_norms_mistakes_are_diagnosed(answer, code, words):
    v = verdict("layer_grad_norms", answer)
    assert (v.passed, v.diagnosis) == (False, code)
    assert words in v.message


def test_layer_grad_norms_must_not_update_the_weights():
    def with_step(net, loss, X, Y):
        norms = layer_grad_norms(net, loss, X, Y)
        bp.SGD(net.parameters(), lr=0.1).step()
        return norms
    assert verdict("layer_grad_norms", with_step).diagnosis == "mutates_input"


# ---------------------------------------------------------------- decay_rate

def fit_factor(x0=1, base=np.e, invert=False):
    def answer(norms):
        layer = np.arange(x0, len(norms) + x0)
        slope = np.polyfit(layer, np.log(norms) / np.log(base), 1)[0]
        return float(base ** (slope if invert else -slope))
    return answer


def closed_form(norms):
    layer = np.arange(len(norms), dtype=float)
    y = np.log(norms)
    s = np.sum((layer - layer.mean()) * (y - y.mean())) / np.sum((layer - layer.mean()) ** 2)
    return 1 / np.exp(s)


@pytest.mark.parametrize("answer", [decay_rate, fit_factor(x0=0), fit_factor(base=10), closed_form],
                         ids=["reference", "from_zero", "log10", "closed_form"])
def test_decay_rate_right_answers_pass(answer):
    assert verdict("decay_rate", answer).passed


@pytest.mark.parametrize("answer, code, words", [
    (not_implemented, "not_implemented", "Not implemented"),
    (fit_factor(invert=True), "sign", "reciprocal"),
    (lambda n: float(-np.polyfit(np.arange(len(n)), np.log(n), 1)[0]), "wrong_values", "slope"),
    (lambda n: float((n[0] / n[-1]) ** (1 / (len(n) - 1))), "wrong_values", "first and the last"),
    (lambda n: float(np.exp(-np.polyfit(np.arange(len(n)), n, 1)[0])), "wrong_values", "log"),
], ids=["template", "reciprocal", "slope", "endpoints", "no_log"])
def test_decay_rate_mistakes_are_diagnosed(answer, code, words):
    v = verdict("decay_rate", answer)
    assert (v.passed, v.diagnosis) == (False, code)
    assert words in v.message


def test_decay_rate_recovers_a_known_factor():
    layer = np.arange(1, 11)
    assert decay_rate(3.0 * 0.25 ** (10 - layer)) == pytest.approx(0.25)


# ---------------------------------------------------------------- capstone layers and optimiser

def linear_class(forward=linear_forward, backward=linear_backward, init=he_normal, accumulate=True):
    class Linear(Layer):
        def __init__(self, n_in, n_out, rng):
            self.n_in, self.n_out = n_in, n_out
            self.W = Parameter(init(n_in, n_out, rng), "W")
            self.b = Parameter(np.zeros(n_out), "b")

        def parameters(self):
            return [self.W, self.b]

        def forward(self, X):
            self.X = X
            return forward(X, self.W.value, self.b.value)

        def backward(self, dZ):
            dX, dW, db = backward(dZ, self.X, self.W.value)
            if accumulate:
                self.W.grad += dW
                self.b.grad += db
            else:
                self.W.grad, self.b.grad = dW, db
            return dX
    return Linear


def relu_class(backward=relu_backward):
    class ReLU(Layer):
        def forward(self, Z):
            self.Z = Z
            return relu(Z)

        def backward(self, dA):
            return backward(dA, self.Z)
    return ReLU


def adam_class(t_of=lambda opt: opt.t, keep_state=True, correct=True):
    class Adam(Optimizer):
        def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
            super().__init__(params, lr)
            self.beta1, self.beta2 = betas
            self.eps = eps

        def rule(self, w, dw, state):
            m, v = (state.get("m", 0.0), state.get("v", 0.0)) if keep_state else (0.0, 0.0)
            if correct:
                w_new, m, v = adam_step(w, dw, m, v, t_of(self), self.lr, self.beta1, self.beta2, self.eps)
            else:
                m = self.beta1 * m + (1 - self.beta1) * dw
                v = self.beta2 * v + (1 - self.beta2) * dw ** 2
                w_new = w - self.lr * m / (np.sqrt(v) + self.eps)
            state["m"], state["v"] = m, v
            return w_new
    return Adam


def test_capstone_classes_right_answers_pass():
    assert verdict("capstone_linear", linear_class()).passed
    assert verdict("capstone_linear", linear_class(forward=lambda X, W, b: np.einsum("ni,io->no", X, W) + b)).passed
    assert verdict("capstone_relu", relu_class()).passed
    # subgradient 1 at 0
    assert verdict("capstone_relu", relu_class(lambda dA, Z: np.where(Z >= 0, dA, 0.0))).passed
    assert verdict("capstone_adam", adam_class()).passed


@pytest.mark.parametrize("exercise_id, answer, code", [
    ("capstone_linear", linear_class(init=not_implemented), "not_implemented"),
    ("capstone_linear", linear_class(accumulate=False), "wrong_values"),
    ("capstone_linear", linear_class(forward=lambda X, W, b: X @ W), "wrong_values"),
    ("capstone_linear", linear_class(backward=lambda dZ, X, W: (dZ @ W.T, X.T @ dZ / len(X), dZ.sum(0) / len(X))),
     "scale"),
    ("capstone_linear", linear_class(backward=lambda dZ, X, W: (-(dZ @ W.T), X.T @ dZ, dZ.sum(0))), "sign"),
    ("capstone_linear", linear_class(init=lambda i, o, rng: rng.normal(size=(i, o))), "wrong_values"),
    ("capstone_linear", linear_he, "not_implemented"),
    ("capstone_relu", relu_class(not_implemented), "not_implemented"),
    ("capstone_relu", relu_class(lambda dA, Z: dA * (dA > 0)), "wrong_derivative"),
    ("capstone_relu", relu_class(lambda dA, Z: (Z > 0) * 1.0), "wrong_values"),
    ("capstone_relu", CapstoneReLU, "not_implemented"),
    ("capstone_adam", adam_class(correct=False), "no_bias_correction"),
    ("capstone_adam", adam_class(t_of=lambda opt: 1), "wrong_values"),
    ("capstone_adam", adam_class(keep_state=False), "wrong_values"),
    ("capstone_adam", CapstoneAdam, "not_implemented"),
])
def test_capstone_class_mistakes_are_diagnosed(exercise_id, answer, code):
    v = verdict(exercise_id, answer)
    assert (v.passed, v.diagnosis) == (False, code), v.message


def test_capstone_checks_want_the_class_itself():
    assert verdict("capstone_relu", relu_class()()).diagnosis == "error"


# ---------------------------------------------------------------- capstone_accuracy

def trained(layer_classes, epochs, width=64, lr=0.01):
    Linear, ReLU = layer_classes
    X, y = bp.data.load_digits()
    X_train, _, y_train, _ = bp.data.train_test_split(X, y, test_size=0.25, seed=0)
    rng = np.random.default_rng(0)
    net = bp.Sequential(Linear(64, width, rng), ReLU(), Linear(width, 10, rng))
    bp.fit(net, bp.CrossEntropyLoss(), bp.Adam(net.parameters(), lr=lr), X_train, y_train, epochs=epochs,
           batch_size=32, progress=False)
    return net


def test_capstone_accuracy_passes_a_reasoned_choice_within_the_budget():
    v = verdict("capstone_accuracy", trained((linear_class(), relu_class()), epochs=3, width=256, lr=0.01))
    assert v.passed, v.message


def test_capstone_accuracy_fails_the_default_settings_within_the_budget():
    # one hidden layer of 64 with Adam's default lr 1e-3 for the 3 epochs of the budget: 0.79-0.86
    # over 5 seeds
    v = verdict("capstone_accuracy", trained((linear_class(), relu_class()), epochs=3, width=64, lr=1e-3))
    assert (v.passed, v.diagnosis) == (False, "wrong_values") and "choose the learning rate" in v.message


def test_capstone_accuracy_fails_an_untrained_network_and_names_the_accuracy():
    rng = np.random.default_rng(0)
    untrained = bp.Sequential(linear_class()(64, 8, rng), relu_class()(), linear_class()(8, 10, rng))
    v = verdict("capstone_accuracy", untrained)
    assert (v.passed, v.diagnosis) == (False, "wrong_values") and "0.94 is needed" in v.message


def test_capstone_accuracy_does_not_count_bplearns_layers():
    v = verdict("capstone_accuracy", trained((linear_he, CapstoneReLU), epochs=10))
    assert (v.passed, v.diagnosis) == (False, "not_implemented")


# ---------------------------------------------------------------- evidence on disk (the grader's
# path)

@pytest.mark.parametrize("exercise_id, answer", [
    ("layer_grad_norms", hook_norms(order=-1)), ("layer_grad_norms", layer_grad_norms),
    ("decay_rate", decay_rate), ("capstone_linear", linear_class()), ("capstone_linear", linear_class(accumulate=False)),
    ("capstone_relu", relu_class()), ("capstone_adam", adam_class(correct=False)),
])
def test_verdict_is_the_same_from_evidence_on_disk(exercise_id, answer, tmp_path):
    exercise = get(exercise_id)
    found = exercise.collect(answer)
    evidence.dump(found, tmp_path / exercise_id)
    assert exercise.judge(evidence.load(tmp_path / exercise_id)) == exercise.judge(found)
