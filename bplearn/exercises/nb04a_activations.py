"""Notebook 04a's element-wise exercises: the backward pass of three activations, with their
references, test cases and mistake models (``nb04a_new_operations`` lists them in its EXERCISES).

    leaky_relu_backward(dA, Z, alpha) -> dZ        A = Z where Z > 0, alpha·Z elsewhere
    elu_backward(dA, Z, alpha) -> dZ               A = Z where Z > 0, alpha·(exp(Z) − 1) elsewhere
    softplus_backward(dA, Z) -> dZ                 A = log(1 + exp(Z))
"""

import numpy as np

from .. import layers
from .cases import F32, F64, normal, with_zeros
from .function_exercise import Case, FunctionExercise, Mistake

STABLE_EXP = (
    "np.exp overflows for large |Z| (exp(1000) is inf, and inf/inf or 0·inf is nan): write the "
    "derivative so that no exponential of a large positive number is formed."
)


def _sigmoid(Z):
    return 0.5 * (1 + np.tanh(0.5 * Z))


# ---------------------------------------------------------------- references


def leaky_relu_backward(dA, Z, alpha):
    """dZ for A = leaky_relu(Z): the slope is 1 where Z > 0 and alpha elsewhere."""
    return np.where(Z > 0, dA, alpha * dA)


def elu_backward(dA, Z, alpha):
    """dZ for A = elu(Z)."""
    negative = alpha * np.exp(np.minimum(Z, 0))
    return dA * np.where(Z > 0, 1, negative).astype(dA.dtype)


def softplus_backward(dA, Z):
    """dZ for A = log(1 + exp(Z))."""
    return dA * _sigmoid(Z)


# ---------------------------------------------------------------- mistakes of every kind


def _elu(Z, alpha):
    return np.where(Z > 0, Z, alpha * (np.exp(np.minimum(Z, 0)) - 1))


def _kink_zero(backward):
    """``backward`` with slope 0 exactly where Z == 0."""
    return lambda dA, Z, *rest: np.where(Z == 0, 0 * dA, backward(dA, Z, *rest))


def _over_n(backward):
    """``backward`` divided by the batch size N (an average where none belongs)."""
    return lambda dA, Z, *rest: backward(dA, Z, *rest) / Z.shape[0]


AT_OUTPUT = (
    "{output}: the slope was evaluated at the output A = f(Z) instead of at the input Z: the local"
    " derivative f'(Z) takes the same Z the forward pass took."
)
OVER_N = (
    "{output} is divided by N, the batch size: an element-wise operation has no average in it, each"
    " entry's gradient is dA times that entry's own slope."
)
KINK = (
    "{output} is 0 where Z = 0 exactly, the kink: there any slope between alpha and 1 is right"
    " (the two sides' slopes), but 0 is neither. Give Z = 0 one of the two slopes."
)


# ---------------------------------------------------------------- cases


def _elementwise_cases(rng, alpha=None, zeros=False, large=True):
    fixed = np.array([[-2.0, -1.0, 0.0], [0.5, 1.0, 3.0]])
    shapes = [((4, 5), F64), ((3, 2), F32), ((6, 3), F64), ((2, 7), F32)]
    alphas = [0.1, 0.2, 0.01, 1.5, 0.3, 0.05, 0.7]
    cases = []
    for k, (Z, note) in enumerate(
        [(fixed, "the fixed example")]
        + [
            (
                (with_zeros(rng, s, t) if zeros else 2 * normal(rng, s, t)),
                "exact zeros in Z" if zeros else "",
            )
            for s, t in shapes
        ]
    ):
        extra = () if alpha is None else (Z.dtype.type(alphas[k]),)
        cases.append(Case((normal(rng, Z.shape, Z.dtype), Z) + extra, note=note))
    if large:
        for t in (F64, F32):
            Z = np.array(
                [[-1000.0, -50.0, 0.5, 50.0, 1000.0], [-800.0, -20.0, 1.0, 20.0, 800.0]], dtype=t
            )
            extra = () if alpha is None else (t(0.5),)
            cases.append(
                Case((normal(rng, Z.shape, t), Z) + extra, note="entries up to ±1000", large=True)
            )
    return cases


def _leaky_choice(args, expected, got):
    """At Z == 0 any slope between alpha and 1 is right."""
    dA, Z, alpha = (np.asarray(a, dtype=np.float64) for a in args)
    g = got.get("dZ")
    if g is None or g.shape != Z.shape:
        return expected
    g = g.astype(np.float64)
    lo, hi = np.minimum(alpha * dA, dA), np.maximum(alpha * dA, dA)
    slack = 1e-6 * np.abs(dA)
    ok = (Z == 0) & (g >= lo - slack) & (g <= hi + slack)
    e = expected["dZ"].astype(np.float64).copy()
    e[ok] = g[ok]
    return {"dZ": e}


def _elu_choice(args, expected, got):
    """At Z == 0 the slope is 1 from the right and alpha from the left: accept anything between."""
    return _leaky_choice(args, expected, got)


LEAKY_RELU_BACKWARD = FunctionExercise(
    "leaky_relu_backward",
    title="Backward through LeakyReLU",
    points=1,
    args=("dA", "Z", "alpha"),
    outputs="dZ",
    reference=leaky_relu_backward,
    may_not_use=(layers.leaky_relu_backward, layers.LeakyReLU.f_backward),
    cases=lambda rng: _elementwise_cases(rng, alpha=True, zeros=True, large=False),
    choices=_leaky_choice,
    sizes=lambda *a: [],
    mistakes=[
        Mistake(
            "wrong_derivative",
            lambda dA, Z, alpha: dA * (Z > 0),
            "{output} blocks the gradient where Z < 0, like ReLU: LeakyReLU's slope there is alpha,"
            " not 0.",
        ),
        Mistake(
            "mask_from_gradient",
            lambda dA, Z, alpha: np.where(dA > 0, dA, alpha * dA),
            "{output} takes its mask from dA: the slope depends on the layer's input Z.",
        ),
        Mistake(
            "wrong_derivative",
            lambda dA, Z, alpha: np.where(Z > 0, alpha * dA, dA),
            "{output} uses slope alpha where Z > 0 and 1 elsewhere: the other way round.",
        ),
        Mistake(
            "wrong_values",
            lambda dA, Z, alpha: np.where(Z > 0, 1.0, alpha).astype(Z.dtype),
            "{output} is the local slope alone: multiply it by the upstream gradient dA (the chain"
            " rule).",
        ),
        Mistake(
            "wrong_values",
            lambda dA, Z, alpha: np.where(Z > 0, Z, alpha * Z),
            "{output} looks like LeakyReLU(Z), the forward pass, not its gradient.",
        ),
        Mistake("kink", _kink_zero(leaky_relu_backward), KINK),
        Mistake("scale", _over_n(leaky_relu_backward), OVER_N),
    ],
)

ELU_BACKWARD = FunctionExercise(
    "elu_backward",
    title="Backward through ELU",
    points=1,
    args=("dA", "Z", "alpha"),
    outputs="dZ",
    reference=elu_backward,
    cases=lambda rng: _elementwise_cases(rng, alpha=True, zeros=True),
    choices=_elu_choice,
    sizes=lambda *a: [],
    stable_hint=STABLE_EXP,
    mistakes=[
        Mistake(
            "wrong_derivative",
            lambda dA, Z, alpha: dA * np.where(Z > 0, 1, alpha * (np.exp(np.minimum(Z, 0)) - 1)),
            "{output}: for Z ≤ 0 it multiplies by alpha·(exp(Z) − 1), the activation's value,"
            " instead of its slope.",
        ),
        Mistake(
            "wrong_derivative",
            lambda dA, Z, alpha: dA * np.where(Z > 0, 1, np.exp(np.minimum(Z, 0))),
            "{output}: for Z ≤ 0 the slope is missing the factor alpha of the forward formula.",
        ),
        Mistake(
            "wrong_derivative",
            lambda dA, Z, alpha: dA * np.where(Z > 0, 1, alpha),
            "{output}: for Z ≤ 0 the slope is taken as the constant alpha, as in LeakyReLU; ELU's"
            " curve bends there, so its slope depends on Z.",
        ),
        Mistake(
            "wrong_derivative",
            lambda dA, Z, alpha: dA * (Z > 0),
            "{output} blocks the gradient where Z ≤ 0, like ReLU: ELU has a non-zero slope there.",
        ),
        Mistake(
            "wrong_values",
            lambda dA, Z, alpha: np.where(Z > 0, 1, alpha * np.exp(np.minimum(Z, 0))).astype(
                Z.dtype
            ),
            "{output} is the local slope alone: multiply it by the upstream gradient dA (the chain"
            " rule).",
        ),
        Mistake(
            "at_output", lambda dA, Z, alpha: elu_backward(dA, _elu(Z, alpha), alpha), AT_OUTPUT
        ),
        Mistake("kink", _kink_zero(elu_backward), KINK),
        Mistake(
            "mask_from_gradient",
            lambda dA, Z, alpha: dA * np.where(dA > 0, 1, alpha * np.exp(np.minimum(Z, 0))),
            "{output} chooses between the two slopes by the sign of dA: which piece of ELU applies"
            " depends on the layer's input Z.",
        ),
        Mistake("scale", _over_n(elu_backward), OVER_N),
    ],
)

SOFTPLUS_BACKWARD = FunctionExercise(
    "softplus_backward",
    title="Backward through softplus",
    points=1,
    args=("dA", "Z"),
    outputs="dZ",
    reference=softplus_backward,
    cases=lambda rng: _elementwise_cases(rng),
    sizes=lambda *a: [],
    stable_hint=STABLE_EXP,
    mistakes=[
        Mistake(
            "wrong_derivative",
            lambda dA, Z: dA * np.logaddexp(0, Z),
            "{output} multiplies dA by softplus(Z) itself, the forward value, not by its slope.",
        ),
        Mistake(
            "wrong_derivative",
            lambda dA, Z: dA * np.exp(np.minimum(Z, 700)),
            "{output} multiplies dA by exp(Z): that is the derivative of the inside, 1 + exp(Z);"
            " the chain rule also needs the derivative of the log, taken at 1 + exp(Z).",
        ),
        Mistake(
            "wrong_derivative",
            lambda dA, Z: dA / (1 + np.exp(np.minimum(Z, 700))),
            "{output} multiplies dA by 1/(1 + exp(Z)), the log's derivative alone: the chain rule"
            " also needs the derivative of the inside, exp(Z).",
        ),
        Mistake(
            "wrong_values",
            lambda dA, Z: _sigmoid(Z),
            "{output} is the local slope alone: multiply it by the upstream gradient dA (the chain"
            " rule).",
        ),
        Mistake("at_output", lambda dA, Z: softplus_backward(dA, np.logaddexp(0, Z)), AT_OUTPUT),
        Mistake("scale", _over_n(softplus_backward), OVER_N),
    ],
)
