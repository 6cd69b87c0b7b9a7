"""The course's exercises: signature, reference in bplearn, test cases and common mistakes.

Notation as in STYLE.md: X (N, D_in), W (D_in, D_out), b (D_out,), Z = X @ W + b, A = f(Z),
dW = dL/dW, ...; y integer labels (N,), logits Z (N, C).  Each mistake is a function that computes the
wrong answer a learner would get; the check reports it when it reproduces the learner's numbers.
To add an exercise, see the docstring of ``registry.py`` (and ``FunctionExercise``).
"""
import numpy as np

from .cases import F32, F64, labels, large, normal, with_zeros
from .diagnose import Size
from .function_exercise import Case, Fn, FunctionExercise, Mistake
from .init_exercise import InitExercise
from .registry import register as _register

BUILTIN = []          # the ids registered here, in order (extra_*.py modules add more)


def register(exercise):
    BUILTIN.append(exercise.id)
    return _register(exercise)


STABLE_EXP = ("np.exp overflows for large inputs (exp(1000) is inf, and inf/inf is nan). "
              "Subtract each row's maximum from Z before exponentiating: it changes nothing mathematically.")


def _softmax(Z, axis=1):
    E = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


def _sigmoid(Z):
    return 0.5 * (1 + np.tanh(0.5 * Z))


def _onehot(y, C):
    T = np.zeros((len(y), C))
    T[np.arange(len(y)), y] = 1
    return T


# ---------------------------------------------------------------- 00: warm-up

def _warmup_cases(rng):
    return [Case((2.0, 3.0, 1.0)), Case((normal(rng, 5), 2.5, -1.0)), Case((normal(rng, (3, 2)), -0.5, 4.0)),
            Case((normal(rng, 4, F32), F32(1.5), F32(0.25)))]


register(FunctionExercise(
    "warmup", title="Warm-up: an affine function", points=1,
    args=("x", "w", "b"), outputs="out", reference=lambda x, w, b: w * x + b, cases=_warmup_cases,
    signature="affine(x, w, b) -> w * x + b",
    mistakes=[Mistake("wrong_values", lambda x, w, b: w * x, "{output} is missing the bias b."),
              Mistake("wrong_values", lambda x, w, b: w * (x + b), "{output}: b is added before multiplying by w."),
              Mistake("wrong_values", lambda x, w, b: b * x + w, "{output}: w and b are swapped.")],
))


# ---------------------------------------------------------------- linear layer

LINEAR_SHAPES = [(3, 2, 4, F64), (5, 3, 2, F64), (4, 6, 3, F32), (2, 4, 5, F64), (7, 2, 3, F64), (1, 3, 2, F32)]


def _linear_forward_cases(rng):
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    W = np.array([[1.0, 0.0, -1.0, 2.0], [0.5, -2.0, 0.0, 1.0]])
    b = np.array([0.0, 1.0, -1.0, 0.5])
    return [Case((X, W, b), note="the fixed example")] + [
        Case((normal(rng, (n, i), t), normal(rng, (i, o), t), normal(rng, o, t))) for n, i, o, t in LINEAR_SHAPES[1:]]


register(FunctionExercise(
    "linear_forward", title="Forward pass of a linear layer", points=1,
    args=("X", "W", "b"), outputs="Z", reference="bplearn.layers:linear_forward", cases=_linear_forward_cases,
    mistakes=[Mistake("wrong_values", lambda X, W, b: X @ W, "{output} is missing the bias b.")],
))


def _linear_backward_cases(rng):
    return [Case((normal(rng, (n, o), t), normal(rng, (n, i), t), normal(rng, (i, o), t)))
            for n, i, o, t in LINEAR_SHAPES]


register(FunctionExercise(
    "linear_backward", title="Backward pass of a linear layer", points=2,
    args=("dZ", "X", "W"), outputs=("dX", "dW", "db"), reference="bplearn.layers:linear_backward",
    cases=_linear_backward_cases,
    mistakes=[
        Mistake("wrong_axis", lambda dZ, X, W: (dZ @ W.T, X.T @ dZ, dZ.sum(axis=1)),
                "{output} is summed over the wrong axis: it should have one entry per output unit, like b."),
        Mistake("wrong_axis", lambda dZ, X, W: (dZ @ W.T, X.T @ dZ, dZ),
                "{output} still has one row per example: b is shared by every example in the batch, so their "
                "contributions must be combined into one entry per output unit."),
    ],
))


# ---------------------------------------------------------------- activations

def _activation_cases(rng, with_dA, zeros=False):
    fixed = np.array([[-2.0, -1.0, 0.0], [0.5, 1.0, 3.0]])
    shapes = [((4, 5), F64), ((3, 2), F32), ((6, 3), F64), ((2, 7), F32)]
    make = with_zeros if zeros else normal
    Zs = [(fixed, "the fixed example")] + [(make(rng, s, t) if zeros else 2 * make(rng, s, t), "") for s, t in shapes]
    cases = []
    for Z, note in Zs:
        args = (normal(rng, Z.shape, Z.dtype), Z) if with_dA else (Z,)
        cases.append(Case(args, note=note or ("exact zeros in Z" if zeros else "")))
    for t in (F64, F32):
        Z = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0], [-800.0, -20.0, 1.0, 20.0, 800.0]], dtype=t)
        args = (normal(rng, Z.shape, t), Z) if with_dA else (Z,)
        cases.append(Case(args, note="entries up to ±1000", large=True))
    return cases


register(FunctionExercise(
    "sigmoid", title="The sigmoid activation", points=1,
    args=("Z",), outputs="A", reference="bplearn.layers:sigmoid",
    cases=lambda rng: _activation_cases(rng, with_dA=False),
    stable_hint="np.exp(Z) overflows to inf for large Z (and inf/inf is nan): write the formula so that "
                "overflow cannot turn into nan.",
    mistakes=[Mistake("wrong_values", lambda Z: _sigmoid(-Z), "{output} looks like sigmoid(-Z): check the sign "
                                                                 "inside the exponential.")],
))

register(FunctionExercise(
    "sigmoid_backward", title="Backward through the sigmoid", points=1,
    args=("dA", "Z"), outputs="dZ", reference="bplearn.layers:sigmoid_backward",
    cases=lambda rng: _activation_cases(rng, with_dA=True),
    stable_hint="np.exp(Z) overflows to inf for large Z (and inf/inf is nan): compute sigmoid(Z) in a form "
                "that cannot overflow into nan.",
    mistakes=[
        Mistake("wrong_derivative", lambda dA, Z: dA * Z * (1 - Z),
                "{output} looks like the derivative was taken of Z instead of sigmoid(Z): "
                "the factor s(1 - s) needs s = sigmoid(Z)."),
        Mistake("wrong_derivative", lambda dA, Z: dA * _sigmoid(Z),
                "{output} multiplies dA by sigmoid(Z) itself, not by the sigmoid's derivative."),
        Mistake("wrong_values", lambda dA, Z: _sigmoid(Z) * (1 - _sigmoid(Z)),
                "{output} ignores the upstream gradient dA: the chain rule multiplies the local derivative by dA."),
    ],
))


def _relu_subgradient(args, expected, got):
    """At Z == 0 any subgradient in [0, 1] is right: accept dZ between 0 and dA there."""
    dA, Z = (np.asarray(a, dtype=np.float64) for a in args)
    g = got.get("dZ")
    if g is None or g.shape != Z.shape:
        return expected
    g = g.astype(np.float64)
    slack = 1e-6 * np.abs(dA)
    ok = (Z == 0) & (g >= np.minimum(0, dA) - slack) & (g <= np.maximum(0, dA) + slack)
    e = expected["dZ"].astype(np.float64).copy()
    e[ok] = g[ok]
    return {"dZ": e}


register(FunctionExercise(
    "relu", title="The ReLU activation", points=1,
    args=("Z",), outputs="A", reference="bplearn.layers:relu",
    cases=lambda rng: _activation_cases(rng, with_dA=False, zeros=True),
    mistakes=[
        Mistake("wrong_values", lambda Z: (Z > 0).astype(Z.dtype),
                "{output} holds only 0s and 1s: that marks where Z > 0, it is not relu(Z)."),
        Mistake("wrong_values", lambda Z: np.abs(Z), "{output}: negative entries should become 0, not positive."),
        Mistake("wrong_values", lambda Z: np.minimum(Z, 0), "{output} keeps the negative entries and zeroes the "
                                                             "positive ones: the other way round."),
    ],
))

register(FunctionExercise(
    "relu_backward", title="Backward through the ReLU", points=1,
    args=("dA", "Z"), outputs="dZ", reference="bplearn.layers:relu_backward",
    cases=lambda rng: _activation_cases(rng, with_dA=True, zeros=True), choices=_relu_subgradient,
    mistakes=[
        Mistake("wrong_derivative", lambda dA, Z: dA * (dA > 0),
                "{output} takes its mask from dA: whether the gradient passes depends on the layer's input Z."),
        Mistake("wrong_derivative", lambda dA, Z: dA * (Z < 0),
                "{output} passes the gradient where Z is negative and blocks it where Z is positive: "
                "the mask is inverted."),
        Mistake("wrong_values", lambda dA, Z: (Z > 0).astype(Z.dtype),
                "{output} is the mask alone: multiply it by the upstream gradient dA (the chain rule)."),
        Mistake("wrong_values", lambda dA, Z: np.maximum(Z, 0),
                "{output} looks like relu(Z), the forward pass, not its gradient."),
    ],
))

register(FunctionExercise(
    "tanh_backward", title="Backward through tanh", points=1,
    args=("dA", "Z"), outputs="dZ", reference="bplearn.layers:tanh_backward",
    cases=lambda rng: _activation_cases(rng, with_dA=True),
    stable_hint="Computing tanh from np.exp overflows for large |Z|: use np.tanh.",
    mistakes=[
        Mistake("wrong_derivative", lambda dA, Z: dA * (1 - Z ** 2),
                "{output} looks like the derivative was taken of Z instead of tanh(Z): "
                "the factor 1 - t² needs t = tanh(Z)."),
        Mistake("wrong_derivative", lambda dA, Z: dA * (1 - np.tanh(Z)) ** 2,
                "{output}: the derivative squares the wrong thing: check what is squared in 1 - tanh(Z)²."),
        Mistake("wrong_derivative", lambda dA, Z: dA * np.tanh(Z) * (1 - np.tanh(Z)),
                "{output} uses the form of the sigmoid's derivative, s(1 - s), with tanh: tanh's derivative differs."),
        Mistake("wrong_values", lambda dA, Z: 1 - np.tanh(Z) ** 2,
                "{output} ignores the upstream gradient dA: the chain rule multiplies the local derivative by dA."),
    ],
))


# ---------------------------------------------------------------- losses

def _entries(Y_hat, Y):
    N = Y_hat.shape[0]
    D = Y_hat.shape[1] if Y_hat.ndim > 1 else 1
    return [Size("N·D", "the number of entries", Y_hat.size, "over all entries"),
            Size("N", "the number of examples", N, "over the batch"),
            Size("D", "the number of outputs per example", D, "over the outputs")]


def _regression_cases(rng):
    fixed = (np.array([[1.0], [2.0], [4.0]]), np.array([[1.5], [2.0], [3.0]]))
    shapes = [((5, 2), F64), ((4, 3), F32), ((6, 1), F64), ((2, 4), F64), ((8, 2), F32)]
    return [Case(fixed, note="the fixed example")] + [
        Case((normal(rng, s, t), normal(rng, s, t))) for s, t in shapes]


register(FunctionExercise(
    "mse_loss", title="Mean squared error", points=1,
    args=("Y_hat", "Y"), outputs="loss:float", reference="bplearn.losses:mse_loss", cases=_regression_cases,
    sizes=_entries,
    mistakes=[
        Mistake("wrong_values", lambda Y_hat, Y: np.sqrt(np.mean((Y_hat - Y) ** 2)),
                "{output} looks like the square root of the mean squared error (the RMSE): no square root here."),
        Mistake("wrong_values", lambda Y_hat, Y: np.mean(np.abs(Y_hat - Y)),
                "{output} looks like the mean absolute error: square the differences instead."),
    ],
))

register(FunctionExercise(
    "mse_backward", title="Gradient of the mean squared error", points=1,
    args=("Y_hat", "Y"), outputs="dY_hat", reference="bplearn.losses:mse_backward", cases=_regression_cases,
    sizes=_entries,
))


def _classification_cases(rng):
    fixed = (np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]]), np.array([0, 2]))
    shapes = [(4, 5, F64), (3, 4, F32), (6, 2, F64), (5, 3, F64), (2, 6, F32)]
    cases = [Case(fixed, note="the fixed example")]
    cases += [Case((2 * normal(rng, (n, c), t), labels(rng, n, c))) for n, c, t in shapes]
    for t in (F64, F32):
        cases.append(Case((large(rng, (4, 3), t), labels(rng, 4, 3)), note="logits around ±1000", large=True))
        # the label's probability underflows to 0: log(softmax(Z)) gives -inf, log-softmax gives -2000
        cases.append(Case((np.array([[1000.0, 0.0, -1000.0], [0.0, -1000.0, 1000.0]], dtype=t), np.array([2, 0])),
                          note="logits 2000 apart", large=True))
    return cases


def _softmax_cases(rng):
    return [Case((c.args[0],), note=c.note, large=c.large) for c in _classification_cases(rng)]


register(FunctionExercise(
    "softmax", title="Softmax", points=1,
    args=("Z",), outputs="P", reference="bplearn.losses:softmax", cases=_softmax_cases, stable_hint=STABLE_EXP,
    mistakes=[
        Mistake("wrong_axis", lambda Z: _softmax(Z, axis=0),
                "{output} is normalised over the wrong axis: each row (one example) should sum to 1."),
        Mistake("wrong_axis", lambda Z: np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(),
                "{output} is normalised over the whole batch at once: each row (one example) should sum to 1."),
    ],
))


def _ce_from(P, y):
    return float(-np.mean(np.log(P[np.arange(len(y)), y])))


register(FunctionExercise(
    "cross_entropy_loss", title="Cross-entropy loss", points=1,
    args=("Z", "y"), outputs="loss:float", reference="bplearn.losses:cross_entropy_loss",
    cases=_classification_cases, stable_hint=STABLE_EXP,
    mistakes=[
        Mistake("wrong_axis", lambda Z, y: _ce_from(_softmax(Z, axis=0), y),
                "{output}: the softmax is taken over the wrong axis: each row (one example) should sum to 1."),
        Mistake("wrong_values", lambda Z, y: float(-np.mean(np.log(_softmax(Z)[:, y]))),
                "{output} averages more than one probability per example: each row contributes only the "
                "log-probability of its own label."),
        Mistake("wrong_values", lambda Z, y: float(-np.mean(np.log(_softmax(Z)))),
                "{output} averages the log-probabilities of every class: only each example's true class counts."),
    ],
))

register(FunctionExercise(
    "cross_entropy_backward", title="Gradient of softmax + cross-entropy", points=2,
    args=("Z", "y"), outputs="dZ", reference="bplearn.losses:cross_entropy_backward",
    cases=_classification_cases, stable_hint=STABLE_EXP,
    mistakes=[
        Mistake("wrong_axis", lambda Z, y: (_softmax(Z, axis=0) - _onehot(y, Z.shape[1])) / len(y),
                "{output}: the softmax is taken over the wrong axis: each row (one example) should sum to 1."),
        Mistake("wrong_values", lambda Z, y: _softmax(Z) / len(y),
                "{output} looks like the probabilities alone (divided by N): the gradient also depends on the labels y."),
    ],
))


# ---------------------------------------------------------------- gradient checking

def _numerical_gradient_cases(rng):
    return [Case((Fn("sum_of_cubes"), normal(rng, 4), 1e-5)),
            Case((Fn("exp_sum"), normal(rng, (2, 3)), 1e-4)),
            Case((Fn("quadratic_form"), normal(rng, (3, 2)), 1e-3)),
            Case((Fn("log_sum_exp"), normal(rng, 5), 1e-5)),
            Case((Fn("exp_sum"), normal(rng, (3, 1)), 1e-3))]


def _one_sided(f, x, h, sign=1):
    x = x.copy()
    grad = np.zeros_like(x)
    f0 = f(x)
    for i in np.ndindex(*x.shape):
        old = x[i]
        x[i] = old + sign * h
        grad[i] = sign * (f(x) - f0) / h
        x[i] = old
    return grad


register(FunctionExercise(
    "numerical_gradient", title="The gradient by finite differences", points=2,
    args=("f", "x", "h"), outputs="grad", reference="bplearn.gradcheck:numerical_gradient",
    cases=_numerical_gradient_cases, rtol={F64: 1e-6}, restore={"x": 1e-12},
    mistakes=[
        Mistake("wrong_values", lambda f, x, h: _one_sided(f, x, h),
                "{output} looks like one-sided differences (f(x + h) - f(x)) / h: centred differences are "
                "much more accurate."),
        Mistake("wrong_values", lambda f, x, h: _one_sided(f, x, h, sign=-1),
                "{output} looks like one-sided differences (f(x) - f(x - h)) / h: centred differences are "
                "much more accurate."),
        Mistake("wrong_values", lambda f, x, h: np.full_like(x, (f(x + h) - f(x - h)) / (2 * h)),
                "{output} looks like every entry of x was nudged at once: nudge one entry at a time."),
    ],
))


# ---------------------------------------------------------------- update rules

def _sgd_cases(rng):
    return [Case((normal(rng, 3), normal(rng, 3), 0.1)), Case((normal(rng, (2, 4)), normal(rng, (2, 4)), 0.01)),
            Case((normal(rng, (3, 2), F32), normal(rng, (3, 2), F32), 0.5)),
            Case((normal(rng, 5), normal(rng, 5), 0.3))]


register(FunctionExercise(
    "sgd_step", title="A gradient-descent step", points=1,
    args=("w", "dw", "lr"), outputs="w_new", reference="bplearn.optim:sgd_step", cases=_sgd_cases,
    relative_to={"w_new": "w"},
    mistakes=[
        Mistake("wrong_values", lambda w, dw, lr: w - dw, "{output}: the step ignores the learning rate lr."),
        Mistake("wrong_values", lambda w, dw, lr: -lr * dw,
                "{output} looks like the step alone: return the updated weights."),
    ],
))


def _momentum_cases(rng):
    cases = []
    for shape, t, lr, beta in [((3,), F64, 0.1, 0.9), ((2, 4), F64, 0.01, 0.5), ((3, 2), F32, 0.1, 0.9),
                               ((5,), F64, 0.05, 0.99)]:
        cases.append(Case((normal(rng, shape, t), normal(rng, shape, t), normal(rng, shape, t), lr, beta)))
    cases.append(Case((normal(rng, 4), normal(rng, 4), np.zeros(4), 0.1, 0.9), note="the first step (v = 0)"))
    return cases


register(FunctionExercise(
    "momentum_step", title="A step with momentum", points=2,
    args=("w", "dw", "v", "lr", "beta"), outputs=("w_new", "v_new"), reference="bplearn.optim:momentum_step",
    cases=_momentum_cases, relative_to={"w_new": "w"},
    mistakes=[
        Mistake("wrong_values", lambda w, dw, v, lr, beta: (w + (beta * v - lr * dw), beta * v - lr * dw),
                "{output} follows the other common momentum convention, where the velocity already includes "
                "-lr (v = beta v - lr dw, then w + v). This course uses the convention stated in the notebook: "
                "v accumulates the gradients and lr scales the step."),
        Mistake("wrong_values", lambda w, dw, v, lr, beta: (w - lr * (beta * v + (1 - beta) * dw),
                                                            beta * v + (1 - beta) * dw),
                "{output} uses an exponential moving average, v = beta v + (1 - beta) dw; the velocity in this "
                "course (see the notebook) adds dw without the factor (1 - beta)."),
        Mistake("wrong_values", lambda w, dw, v, lr, beta: (w - lr * v, beta * v + dw),
                "{output} moves with the old velocity v: update the velocity first, then step with the new one."),
    ],
))


def _adam_cases(rng):
    cases = []
    for shape, t, step, lr, b1, b2 in [((3,), F64, 1, 1e-3, 0.9, 0.999), ((2, 3), F64, 2, 1e-2, 0.9, 0.999),
                                       ((4,), F64, 10, 1e-2, 0.8, 0.99), ((3, 2), F32, 5, 1e-2, 0.9, 0.999),
                                       ((5,), F64, 100, 1e-3, 0.9, 0.999)]:
        first = step == 1
        m = np.zeros(shape, t) if first else normal(rng, shape, t, 0.1)
        v = np.zeros(shape, t) if first else (0.01 * rng.random(shape)).astype(t)
        cases.append(Case((normal(rng, shape, t), normal(rng, shape, t), m, v, step, lr, b1, b2, 1e-8)))
    cases.append(Case((normal(rng, 4), normal(rng, 4, scale=1e-6), np.zeros(4), np.zeros(4), 1, 1e-3, 0.9, 0.999,
                       1e-8), note="tiny gradients"))
    return cases


def _adam(w, dw, m, v, t, lr, beta1, beta2, eps, correct=True, t_shift=0, eps_inside=False, square=True):
    m_new = beta1 * m + (1 - beta1) * dw
    v_new = beta2 * v + (1 - beta2) * (dw ** 2 if square else dw)
    m_hat = m_new / (1 - beta1 ** (t + t_shift)) if correct else m_new
    v_hat = v_new / (1 - beta2 ** (t + t_shift)) if correct else v_new
    denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
    return w - lr * m_hat / denom, m_new, v_new


register(FunctionExercise(
    "adam_step", title="A step of Adam", points=2,
    args=("w", "dw", "m", "v", "t", "lr", "beta1", "beta2", "eps"), outputs=("w_new", "m_new", "v_new"),
    reference="bplearn.optim:adam_step", cases=_adam_cases, relative_to={"w_new": "w"},
    mistakes=[
        Mistake("no_bias_correction", lambda *a: _adam(*a, correct=False),
                "{output} looks like Adam without bias correction: m and v start at 0, so their early values "
                "are biased towards 0; correct them before the update (see the notebook)."),
        Mistake("wrong_values", lambda *a: _adam(*a, t_shift=1),
                "{output}: the bias correction uses the wrong step number: t counts from 1 at the first step "
                "and is already the current step."),
        Mistake("wrong_values", lambda *a: _adam(*a, eps_inside=True),
                "{output}: eps is inside the square root; it belongs outside, added to the root."),
        Mistake("wrong_values", lambda *a: _adam(*a, square=False),
                "{output}: v should be a running average of the squared gradient."),
        Mistake("wrong_values", lambda w, dw, m, v, t, lr, b1, b2, eps: (
            _adam(w, dw, m, v, t, lr, b1, b2, eps)[0],
            (b1 * m + (1 - b1) * dw) / (1 - b1 ** t), (b2 * v + (1 - b2) * dw ** 2) / (1 - b2 ** t)),
                "{output} is bias-corrected: return the running averages themselves and correct them only "
                "for the update."),
    ],
))


# ---------------------------------------------------------------- gradient clipping

def _clip_cases(rng):
    return [Case(([normal(rng, (3, 2))], 1.0), note="one array, norm above max_norm"),
            Case(([normal(rng, (2, 3)), normal(rng, 3), normal(rng, 1)], 0.5), note="norm above max_norm"),
            Case(([normal(rng, 4), normal(rng, (2, 2))], 100.0), note="norm below max_norm"),
            Case(([normal(rng, (2, 2), F32), normal(rng, 3, F32)], 1.5), note="norm above max_norm"),
            Case(([3 * normal(rng, 5), normal(rng, (1, 2))], 2.0), note="norm above max_norm")]


def _clip(grads, max_norm, per_array=False, norm_after=False, always=False, sum_of_norms=False):
    norms = [float(np.sqrt(np.sum(g.astype(np.float64) ** 2))) for g in grads]
    total = sum(norms) if sum_of_norms else float(np.sqrt(sum(n ** 2 for n in norms)))
    if per_array:
        clipped = [g * (max_norm / n if n > max_norm else 1.0) for g, n in zip(grads, norms)]
    else:
        scale = max_norm / total if (total > max_norm or always) else 1.0
        clipped = [g * scale for g in grads]
    if norm_after:
        total = float(np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in clipped)))
    return clipped, total


register(FunctionExercise(
    "clip_grad_norm", title="Clipping gradients by their global norm", points=2,
    args=("grads", "max_norm"), outputs=("clipped:list", "total_norm:float"),
    reference="bplearn.optim:clip_by_global_norm", cases=_clip_cases,
    mistakes=[
        Mistake("wrong_values", lambda g, m: _clip(g, m, per_array=True),
                "{output}: each array was clipped by its own norm; clip them all together by their global norm "
                "(the norm of every entry of every array, as one vector)."),
        Mistake("wrong_values", lambda g, m: _clip(g, m, norm_after=True),
                "{output} is the norm after clipping: return the norm before clipping."),
        Mistake("wrong_values", lambda g, m: _clip(g, m, always=True),
                "{output} was rescaled although the global norm was below max_norm: only shrink gradients "
                "whose norm is larger."),
        Mistake("wrong_values", lambda g, m: _clip(g, m, sum_of_norms=True),
                "{output}: the global norm is not the sum of the arrays' norms but the norm of all their "
                "entries together."),
    ],
))


# ---------------------------------------------------------------- initialisation

register(InitExercise("xavier_init", title="Xavier (Glorot) initialisation", points=1,
                      target=("2/(n_in + n_out)", lambda i, o: 2 / (i + o)), reference="bplearn.init:xavier_uniform"))
register(InitExercise("he_init", title="He initialisation", points=1,
                      target=("2/n_in", lambda i, o: 2 / i), reference="bplearn.init:he_normal"))
