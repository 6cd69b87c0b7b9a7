"""Exercises of notebook 10 (Glorot & Bengio, 2010, reproduced at small scale).

    standard_init(n_in, n_out, rng) -> W      the "standard" initialisation the paper starts from:
                                              W ~ U[-1/sqrt(n_in), 1/sqrt(n_in)], variance 1/(3
                                              n_in)
    softsign_backward(dA, Z) -> dZ            the chain rule through A = Z / (1 + |Z|)

No side effects: ``EXERCISES`` lists them; the registry (or the shim ``extra_glorot_bengio.py``)
registers them.
"""

import numpy as np

from .cases import F32, F64, normal
from .function_exercise import Case, FunctionExercise, Mistake, as_number_array
from .init_exercise import VARIANCE_TOL, InitExercise
from .result import Verdict

# ---------------------------------------------------------------- references


def standard_init(n_in, n_out, rng):
    """W ~ U[-1/sqrt(n_in), 1/sqrt(n_in)] of shape (n_in, n_out): variance 1/(3 n_in)."""
    a = 1.0 / np.sqrt(n_in)
    return rng.uniform(-a, a, size=(n_in, n_out))


def softsign(Z):
    """A = Z / (1 + |Z|), element-wise: like tanh, between -1 and 1, but its tails approach them
    polynomially."""
    return Z / (1.0 + np.abs(Z))


def softsign_backward(dA, Z):
    """dZ = dA / (1 + |Z|)**2 (the derivative of Z / (1 + |Z|) is 1 / (1 + |Z|)**2)."""
    return dA / (1.0 + np.abs(Z)) ** 2


# ---------------------------------------------------------------- standard_init

#: Variances a wrong standard_init commonly has: (code, what it is, function of n_in and n_out).
STANDARD_INIT_MISTAKES = [
    (
        "scale",
        (
            "1/n_in: a variance of 1/n_in (a normal with standard deviation 1/√n_in, or a uniform"
            " bound of √(3/n_in)). The standard init draws uniformly between ±1/√n_in, and a"
            " uniform U(−a, a) has variance a²/3"
        ),
        lambda i, o: 1 / i,
    ),
    (
        "wrong_values",
        (
            "1/(3 n_out): the bound was computed from n_out. The standard init divides by the"
            " number of inputs of the layer, n_in"
        ),
        lambda i, o: 1 / (3 * o),
    ),
    (
        "wrong_values",
        (
            "2/(n_in + n_out): that is the paper's normalised (Xavier) initialisation, not the"
            " standard one it starts from"
        ),
        lambda i, o: 2 / (i + o),
    ),
    (
        "wrong_values",
        "1/(3 n_in²): the bound was 1/n_in. The standard init's bound is 1/√n_in",
        lambda i, o: 1 / (3 * i * i),
    ),
]


class StandardInitExercise(InitExercise):
    """InitExercise that also names the mistakes typical of the standard initialisation."""

    def judge_outputs(self, cases, outs, afters):
        verdict = super().judge_outputs(cases, outs, afters)
        if verdict.passed or not verdict.message.startswith("The variance"):
            return verdict
        Ws = [as_number_array(out).astype(np.float64) for out in outs[1:3]]
        for code, words, formula in STANDARD_INIT_MISTAKES:
            if all(
                abs(W.var() / formula(c.args[0], c.args[1]) - 1) <= VARIANCE_TOL
                for c, W in zip(cases[1:3], Ws)
            ):
                return Verdict(False, code, f"The variance of your W matches {words}.")
        return verdict


STANDARD_INIT = StandardInitExercise(
    "standard_init",
    title="The standard initialisation U[−1/√n_in, 1/√n_in]",
    points=1,
    target=("1/(3 n_in)", lambda i, o: 1 / (3 * i)),
    reference=standard_init,
)


# ---------------------------------------------------------------- softsign_backward


def _softsign_cases(rng):
    cases = [Case((np.ones((2, 3)), np.array([[-2.0, -0.5, 0.0], [0.5, 1.0, 3.0]])), note="dA = 1")]
    for shape, dtype in [((4, 5), F64), ((1, 7), F64), ((6, 2), F32), ((3, 3), F64), ((8, 4), F32)]:
        cases.append(Case((normal(rng, shape, dtype), normal(rng, shape, dtype, scale=2.0))))
    cases.append(Case((normal(rng, (3, 4)), normal(rng, (3, 4), scale=50.0)), note="large |Z|"))
    return cases


SOFTSIGN_BACKWARD = FunctionExercise(
    "softsign_backward",
    title="The chain rule through softsign",
    points=2,
    args=("dA", "Z"),
    outputs="dZ",
    reference=softsign_backward,
    cases=_softsign_cases,
    sizes=lambda *a: [],
    mistakes=[
        Mistake(
            "wrong_derivative",
            lambda dA, Z: dA / (1 + np.abs(Z)),
            "{output}: the derivative of Z/(1 + |Z|) is not 1/(1 + |Z|). Use the quotient rule, and"
            " mind that the derivative of |Z| is the sign of Z.",
        ),
        Mistake(
            "wrong_derivative",
            lambda dA, Z: dA * (1 - softsign(Z) ** 2),
            "{output}: 1 − A² is tanh's derivative written in terms of its output. Softsign's"
            " derivative is different: derive it from A = Z/(1 + |Z|).",
        ),
        Mistake(
            "wrong_derivative",
            lambda dA, Z: dA / (1 + Z) ** 2,
            "{output} is right for Z ≥ 0 only: softsign has |Z| in its denominator, so for Z < 0"
            " the derivative is not 1/(1 + Z)².",
        ),
        Mistake(
            "wrong_derivative",
            lambda dA, Z: dA * (1 - softsign(Z)) ** 2,
            "{output} is right for Z ≥ 0 only: written with A = softsign(Z), the derivative needs"
            " |A|, not A.",
        ),
        Mistake(
            "wrong_values",
            lambda dA, Z: 1 / (1 + np.abs(Z)) ** 2 + 0 * dA,
            "{output} is the local derivative dA/dZ only: multiply it by the upstream gradient dA "
            "(the chain rule).",
        ),
        Mistake(
            "at_output",
            lambda dA, Z: dA / (1 + np.abs(softsign(Z))) ** 2,
            "{output}: the derivative was evaluated at A = softsign(Z) instead of at Z.",
        ),
        Mistake(
            "scale",
            lambda dA, Z: softsign_backward(dA, Z) / Z.shape[0],
            "{output} is divided by N, the batch size: an element-wise operation has no average in"
            " it, each entry's gradient is dA times that entry's own slope.",
        ),
    ],
)


EXERCISES = [STANDARD_INIT, SOFTSIGN_BACKWARD]
