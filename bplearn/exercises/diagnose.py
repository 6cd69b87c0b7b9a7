"""Find out how a wrong answer is wrong, by trying transformations of the reference answer.

Nothing here reads the learner's code: a diagnosis is the transformation of the right answer that
reproduces the learner's numbers on every ordinary test case.  In order:

1. only large inputs fail                    -> not_stable (a ``not_stable`` Mistake that reproduces
the
                                                large cases says how; else the exercise's
                                                stable_hint)
2. two outputs in each other's place          -> swapped
3. an exercise-specific Mistake reproduces it -> that mistake's code (wrong_derivative, wrong_axis,
...)
4. the wrong shape: transposed, or wrong_shape (which output, expected and given shapes)
5. the right numbers transposed              -> transposed
6. a factor: -1 -> sign; 2, 1/2, a size (N, 1/N, 1/C, 1/(N·C), ...) or a clear constant -> scale
(named)
7. anything else                             -> wrong_values (where, yours and expected; "close"
when
                                                the answer is slightly off, which is never a factor)

``ex`` is a FunctionExercise (duck-typed: id, args, spec, mistakes, sizes, relative_to, stable_hint,
tolerance(case), compare_leaf(case, leaf, e, g), flatten(out)).
"""

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from .cases import Size, call_quietly, describe_args, materialize
from .compare import factor, first_difference, transposed
from .result import Verdict

__all__ = ["Mistake", "Size", "diagnose_failures", "describe_factor", "factor_text", "slightly_off"]

FACTOR_TOL = 1e-4
# a ratio within 0.5 % of 1 is an answer slightly off, not a constant factor
NOT_A_FACTOR = 0.005


@dataclass
class Mistake:
    """A common mistake: ``fn`` has the exercise's signature and returns the answer this mistake
    gives.

    When the learner's output matches it, the check reports ``code`` with ``message`` (``{output}``
    is replaced by the name of the output that is wrong).  A mistake with code ``not_stable`` is
    compared on every case, large ones included: it models an answer that is right on ordinary
    inputs only.
    """

    code: str
    fn: object
    message: str


def diagnose_failures(ex, cases, expected, got, failures):
    """A Verdict for the learner's outputs ``got`` (one {leaf: array} per case); ``failures`` lists
    (case index, leaf, kind) for every leaf that differs from ``expected``."""
    ordinary = [i for i, case in enumerate(cases) if not case.large]
    ordinary_failures = [f for f in failures if not cases[f[0]].large]
    if not ordinary_failures:
        return _not_stable(ex, cases, expected, got, failures)
    verdict = _swapped(ex, cases, ordinary, expected, got)
    if verdict:
        return verdict
    names = [n for n, _ in ex.spec]

    # output order, then list position: clipped[0], clipped[1], ...
    def order(leaf):
        base, _, rest = leaf.partition("[")
        return names.index(base), int(rest.rstrip("]") or -1)

    leaves = sorted({leaf for _, leaf, _ in ordinary_failures}, key=order)
    verdict = diagnose_leaf(ex, cases, ordinary, expected, got, leaves[0])
    first = leaves[0].split("[")[0]
    others = [b for b in dict.fromkeys(leaf.split("[")[0] for leaf in leaves[1:]) if b != first]
    if others:
        verdict.message += (
            f" ({' and '.join(others)} {'is' if len(others) == 1 else 'are'} not right yet either.)"
        )
    return verdict


def _not_stable(ex, cases, expected, got, failures):
    i, leaf, kind = failures[0]
    everywhere = range(len(cases))
    for mistake in ex.mistakes:
        if mistake.code == "not_stable" and _explains(
            ex, mistake, cases, everywhere, expected, got, leaf
        ):
            return Verdict(False, "not_stable", mistake.message.format(output=leaf))
    what = "nan or inf" if kind == "nonfinite" else "wrong values"
    return Verdict(
        False,
        "not_stable",
        f"{ex.id} is right on ordinary inputs but gives {what} in {leaf} for large inputs "
        f"({describe_args(ex.args, cases[i])}). {ex.stable_hint}".strip(),
    )


def _swapped(ex, cases, ordinary, expected, got):
    """Two outputs (or two arrays of a list) in each other's place on every ordinary case."""
    leaves = list(expected[ordinary[0]])
    for a, b in combinations(leaves, 2):
        if all(
            a in got[i]
            and b in got[i]
            and ex.compare_leaf(cases[i], a, expected[i][a], got[i][b]) is None
            and ex.compare_leaf(cases[i], b, expected[i][b], got[i][a]) is None
            for i in ordinary
        ):
            names = ", ".join(n for n, _ in ex.spec)
            return Verdict(
                False,
                "swapped",
                f"{a} and {b} are swapped: your {a} holds the values of {b} and the "
                f"other way round. Return the outputs in the order ({names}).",
            )
    return None


def diagnose_leaf(ex, cases, ordinary, expected, got, leaf):
    tol = {i: ex.tolerance(cases[i]) for i in ordinary}

    def differs(i, e, g):
        return ex.compare_leaf(cases[i], leaf, e, g)

    for mistake in ex.mistakes:
        if mistake.code != "not_stable" and _explains(
            ex, mistake, cases, ordinary, expected, got, leaf
        ):
            return Verdict(False, mistake.code, mistake.message.format(output=leaf))

    pairs = [(i, expected[i][leaf], got[i][leaf]) for i in ordinary]
    if any(g.shape != e.shape for _, e, g in pairs):
        if all(transposed(e, g, tol[i]) for i, e, g in pairs):
            return Verdict(
                False,
                "transposed",
                f"{leaf} holds the right numbers but transposed: it has shape "
                f"{pairs[0][2].shape} where {pairs[0][1].shape} is expected.",
            )
        i, e, g = next(p for p in pairs if p[2].shape != p[1].shape)
        shape = "a single number" if e.ndim == 0 else f"shape {e.shape}"
        given = "a single number" if g.ndim == 0 else f"shape {g.shape}"
        return Verdict(
            False,
            "wrong_shape",
            f"{leaf} should have {shape}, yours has {given} "
            f"(for {describe_args(ex.args, cases[i])}).",
        )

    if any(
        e.ndim == 2 and e.shape[0] == e.shape[1] and differs(i, e, g) for i, e, g in pairs
    ) and all(transposed(e, g, tol[i]) for i, e, g in pairs):
        return Verdict(False, "transposed", f"{leaf} holds the right numbers but transposed.")

    found = _factor(ex, cases, ordinary, expected, got, leaf)
    if found:
        return Verdict(False, *found)

    for i, e, g in pairs:
        kind = differs(i, e, g)
        if kind == "nonfinite":
            return Verdict(
                False,
                "wrong_values",
                f"{leaf} contains nan or inf for ordinary inputs "
                f"({describe_args(ex.args, cases[i])}).",
            )
        if kind:
            return Verdict(
                False,
                "wrong_values",
                f"{leaf} has the right shape but wrong values. "
                f"For {describe_args(ex.args, cases[i])}: {first_difference(leaf, e, g)}."
                + slightly_off(e, g, tol[i]),
            )
    # pragma: no cover - failures exist
    return Verdict(False, "wrong_values", f"{leaf} has wrong values.")


def _explains(ex, mistake, cases, indices, expected, got, leaf):
    """True when ``mistake`` reproduces the learner's ``leaf`` on every case in ``indices`` and
    differs from the reference on one of them at least."""
    differs = False
    for i in indices:
        try:
            leaves, problem = ex.flatten(call_quietly(mistake.fn, cases[i].args))
        except Exception:
            return False
        if (
            problem
            or leaf not in leaves
            or ex.compare_leaf(cases[i], leaf, leaves[leaf], got[i][leaf])
        ):
            return False
        differs = (
            differs or ex.compare_leaf(cases[i], leaf, expected[i][leaf], leaves[leaf]) is not None
        )
    return differs


def slightly_off(e, g, tol):
    """A sentence when ``g`` is within 1 % of ``e`` (relative to its largest entry) but outside the
    tolerance."""
    e64, g64 = e.astype(np.float64), g.astype(np.float64)
    scale = float(np.max(np.abs(e64), initial=0.0))
    if scale == 0 or not np.all(np.isfinite(g64)):
        return ""
    rel = float(np.max(np.abs(g64 - e64))) / scale
    if rel >= 1e-2:
        return ""
    return (
        f" Yours is close: the largest difference is {rel:.1g} of the largest entry, more than the"
        f" {tol:g} the check allows. Look for a small constant, an approximation or a step computed"
        " in lower precision."
    )


def _factor(ex, cases, ordinary, expected, got, leaf):
    """(code, message) when got = factor * expected on every ordinary case (on the step for update
    rules)."""
    base = ex.relative_to.get(leaf)
    ratios, sizes = [], []
    for i in ordinary:
        e, g = expected[i][leaf], got[i][leaf]
        if base is not None:
            b = np.asarray(cases[i].args[ex.args.index(base)], dtype=np.float64)
            e, g = e.astype(np.float64) - b, g.astype(np.float64) - b
        c = factor(e, g)
        if c is None:
            return None
        if np.isnan(c):  # both all zero: any factor fits this case
            continue
        ratios.append(c)
        sizes.append({s.symbol: s for s in ex.sizes(*materialize(cases[i].args))})
    if not ratios:
        return None
    return describe_factor(leaf, ratios, sizes, step=base is not None)


def _fits(ratios, targets):
    return all(abs(r - t) <= FACTOR_TOL * abs(t) for r, t in zip(ratios, targets))


def describe_factor(leaf, ratios, sizes, step=False):
    """(code, message) naming the factor between the learner's ``leaf`` and the expected one, or
    None.

    ``ratios`` has one factor per case, ``sizes`` one {symbol: Size} per case.  A factor within 0.5
    % of 1
    is never reported: such an answer is slightly off, not scaled."""
    what = f"your step for {leaf}" if step else leaf
    for k in (-1.0, 2.0, 0.5, -2.0, -0.5):
        if _fits(ratios, [k] * len(ratios)):
            if k == -1.0:
                if step:
                    return (
                        "sign",
                        (
                            f"{leaf}: your step goes the wrong way, along the gradient (uphill)"
                            " instead of against it. Check the sign of the update."
                        ),
                    )
                return (
                    "sign",
                    f"{leaf} has the right size but the opposite sign everywhere: check the sign.",
                )
            words = {
                2.0: "2 times too large",
                0.5: "half as large as it should be",
                -2.0: "-2 times the expected value",
                -0.5: "-1/2 times the expected value",
            }[k]
            hint = "check the factor 2" + (" and the sign" if k < 0 else "")
            return "scale", f"{what} is {words} everywhere: {hint}."
    symbols = [s for s in sizes[0] if all(s in d for d in sizes)]
    for sym in symbols:
        values = [d[sym].value for d in sizes]
        for p in (1, -1):
            for k in (1.0, 0.5, 2.0, -1.0, -0.5, -2.0):
                targets = [k * v**p for v in values]
                if _fits(ratios, targets) and not _fits(ratios, [1.0] * len(ratios)):
                    return "scale", _size_message(what, sizes[0][sym], p, k, max(values))
    if _fits(ratios, [ratios[0]] * len(ratios)) and abs(ratios[0] - 1) >= NOT_A_FACTOR:
        return (
            "scale",
            (
                f"{what} is {ratios[0]:.3g} times the expected value everywhere: a constant factor"
                " is off."
            ),
        )
    return None


def factor_text(symbol, p, k):
    """The factor k·symbol**p written out: "N", "1/C", "1/(N·C)", "2·N", "1/(2·N)", "-N"."""
    s = f"({symbol})" if "·" in symbol else symbol
    sign = "-" if k < 0 else ""
    k = abs(k)
    if p == 1:
        body = symbol if k == 1 else f"2·{symbol}" if k == 2 else f"{s}/2"
    else:
        body = f"1/{s}" if k == 1 else f"2/{s}" if k == 2 else f"1/(2·{symbol})"
    return sign + body


def _size_message(what, size, p, k, example):
    sym = size.symbol
    text = (
        f"{what} is off by a factor of {factor_text(sym, p, k)} everywhere ({sym} = {size.meaning},"
        f" up to {example} in our test cases). "
    )
    if p == 1:
        text += f"Did you forget to average {size.average}"
    else:
        text += f"Did you average {size.average} where no average belongs, or divide by {sym} twice"
    extras = []
    if abs(k) != 1:
        extras.append("the factor 2")
    if k < 0:
        extras.append("the sign")
    return text + (f"? Check also {' and '.join(extras)}." if extras else "?")
