"""Initialiser exercises: ``fn(n_in, n_out, rng) -> W`` is random, so it is checked by its
statistics.

Any distribution with mean 0 and the target variance passes (normal or uniform).  The checks:
shape (n_in, n_out); finite numbers that are not all equal; the same rng seed gives the same W and a
different seed a different W (so the answer draws from the ``rng`` it is given); the mean is 0 and
the variance is the target within a few per cent over 100,000+ samples.  A wrong variance is named
when it matches a common formula (e.g. 2/n_in where 2/(n_in + n_out) is wanted).
"""

import numpy as np

from .cases import Case, Rng
from .evidence import describe
from .function_exercise import FunctionExercise
from .outputs import as_number_array
from .result import Verdict

# relative; the sample variance over >= 90,000 entries is good to about 0.5 %
VARIANCE_TOL = 0.05
MEAN_TOL = 0.03  # in units of W's standard deviation (about 10 standard errors)

#: Common variances, each (formula as written in words, function of n_in and n_out).
FORMULAS = [
    ("2/(n_in + n_out)", lambda i, o: 2 / (i + o)),
    ("2/n_in", lambda i, o: 2 / i),
    ("1/n_in", lambda i, o: 1 / i),
    ("2/n_out", lambda i, o: 2 / o),
    ("1/n_out", lambda i, o: 1 / o),
    ("1/(n_in + n_out)", lambda i, o: 1 / (i + o)),
    (
        "6/(n_in + n_out), the square of the uniform bound used as a variance",
        lambda i, o: 6 / (i + o),
    ),
    ("6/n_in, the square of the uniform bound used as a variance", lambda i, o: 6 / i),
    (
        (
            "2/(3(n_in + n_out)): a uniform U(-a, a) with a² = 2/(n_in + n_out) has variance a²/3,"
            " not a²"
        ),
        lambda i, o: 2 / (3 * (i + o)),
    ),
    (
        "2/(3 n_in): a uniform U(-a, a) with a² = 2/n_in has variance a²/3, not a²",
        lambda i, o: 2 / (3 * i),
    ),
    (
        "(2/(n_in + n_out))²: the variance was used as the standard deviation",
        lambda i, o: (2 / (i + o)) ** 2,
    ),
    ("(2/n_in)²: the variance was used as the standard deviation", lambda i, o: (2 / i) ** 2),
    ("1 (a standard normal, not scaled)", lambda i, o: 1.0),
]

SHAPES = [(3, 5), (400, 300), (150, 600)]


def init_cases(rng):
    (a, b), (c, d), (e, f) = SHAPES
    return [
        Case((a, b, Rng(11))),
        Case((c, d, Rng(1))),
        Case((e, f, Rng(2))),
        Case((c, d, Rng(1)), note="the same seed as before"),
        Case((c, d, Rng(3)), note="another seed"),
    ]


class InitExercise(FunctionExercise):
    """``target`` is the wanted variance as (words, function of n_in and n_out)."""

    def __init__(self, id, *, target, reference, title="", points=1, may_not_use=()):
        self.target = target
        super().__init__(
            id,
            args=("n_in", "n_out", "rng"),
            outputs="W",
            reference=reference,
            cases=init_cases,
            title=title,
            points=points,
            may_not_use=may_not_use,
        )

    def judge_outputs(self, cases, outs, afters):
        Ws = []
        for case, out in zip(cases, outs):
            n_in, n_out = case.args[0], case.args[1]
            W = as_number_array(out)
            if W is None:
                return Verdict(
                    False,
                    "wrong_shape",
                    f"{self.id} should return W as an array; yours is {describe(out)}.",
                )
            if W.shape == (n_out, n_in) and n_in != n_out:
                return Verdict(
                    False,
                    "transposed",
                    f"W has shape {W.shape}; it should be (n_in, n_out) = "
                    f"{(n_in, n_out)}: one row per input, one column per output.",
                )
            if W.shape != (n_in, n_out):
                return Verdict(
                    False,
                    "wrong_shape",
                    f"W should have shape (n_in, n_out) = {(n_in, n_out)}; "
                    f"yours has shape {W.shape}.",
                )
            if not np.all(np.isfinite(W)):
                return Verdict(
                    False, "wrong_values", f"W contains nan or inf (n_in={n_in}, n_out={n_out})."
                )
            Ws.append(W.astype(np.float64))
        if np.ptp(Ws[1]) == 0:
            return Verdict(
                False,
                "wrong_values",
                "Every entry of W is the same: units that start equal stay equal "
                "(the symmetry is never broken). Draw them at random.",
            )
        if not np.array_equal(Ws[1], Ws[3]):
            return Verdict(
                False,
                "wrong_values",
                "Two calls with identically seeded rngs gave different W: draw the "
                "random numbers from the rng argument (not from np.random).",
            )
        if np.array_equal(Ws[1], Ws[4]):
            return Verdict(
                False,
                "wrong_values",
                "Rngs with different seeds gave the same W: draw the random "
                "numbers from the rng argument.",
            )
        words, target = self.target
        ratios = []
        for case, W in zip(cases[1:3], Ws[1:3]):
            n_in, n_out = case.args[0], case.args[1]
            var = target(n_in, n_out)
            if abs(W.mean()) > MEAN_TOL * W.std():
                return Verdict(
                    False,
                    "wrong_values",
                    f"W should be centred at 0; yours has mean {W.mean():.3g} and standard"
                    f" deviation {W.std():.3g} (n_in={n_in}, n_out={n_out}).",
                )
            ratios.append(W.var() / var)
        if all(abs(r - 1) <= VARIANCE_TOL for r in ratios):
            return Verdict(
                True,
                "passed",
                f"Shape, mean 0, variance {words} and use of rng all right "
                f"(checked on {sum(W.size for W in Ws[1:3]):,} samples).",
            )
        for name, formula in FORMULAS:
            if name == words:
                continue
            if all(
                abs(W.var() / formula(c.args[0], c.args[1]) - 1) <= VARIANCE_TOL
                for c, W in zip(cases[1:3], Ws[1:3])
            ):
                factor = [
                    formula(c.args[0], c.args[1]) / target(c.args[0], c.args[1]) for c in cases[1:3]
                ]
                code = "scale" if abs(factor[0] / factor[1] - 1) < 1e-9 else "wrong_values"
                return Verdict(
                    False,
                    code,
                    f"The variance of your W matches {name}; this initialisation wants "
                    f"variance {words}.",
                )
        c1, c2 = cases[1:3]
        detail = ", ".join(
            f"{r:.3g} times the target for n_in={c.args[0]}, n_out={c.args[1]}"
            for r, c in zip(ratios, (c1, c2))
        )
        code = "scale" if abs(ratios[0] / ratios[1] - 1) <= 2 * VARIANCE_TOL else "wrong_values"
        return Verdict(False, code, f"The variance of W should be {words}; yours is {detail}.")
