"""Find out how a wrong answer is wrong, by trying transformations of the reference answer.

Nothing here reads the learner's code: a diagnosis is the transformation of the right answer that
reproduces the learner's numbers on every ordinary test case.  In order:

1. only large inputs fail                    -> not_stable
2. an exercise-specific Mistake reproduces it -> that mistake's code (wrong_derivative, wrong_axis, ...)
3. the wrong shape: transposed, or wrong_shape (which output, expected and given shapes)
4. the right numbers transposed              -> transposed
5. a factor: -1 -> sign; 2, 1/2, N, 1/N, N/2, ... or any constant -> scale (the factor named)
6. anything else                             -> wrong_values (where, yours and expected)
"""
from dataclasses import dataclass

import numpy as np

from .result import Verdict

FACTOR_TOL = 1e-4


@dataclass(frozen=True)
class Size:
    """A size a scale error may be off by: ``Size("N", "the batch size", 8, "over the batch")``."""

    symbol: str
    meaning: str
    value: int
    average: str = "over the batch"


def diagnose_failures(ex, cases, expected, got, failures):
    from .function_exercise import describe_args
    ordinary = [i for i, case in enumerate(cases) if not case.large]
    ordinary_failures = [f for f in failures if not cases[f[0]].large]
    if not ordinary_failures:
        i, leaf, kind = failures[0]
        what = "nan or inf" if kind == "nonfinite" else "wrong values"
        return Verdict(False, "not_stable",
                       f"{ex.id} is right on ordinary inputs but gives {what} in {leaf} for large inputs "
                       f"({describe_args(ex.args, cases[i])}). {ex.stable_hint}".strip())
    names = [n for n, _ in ex.spec]

    def order(leaf):                           # output order, then list position: clipped[0], clipped[1], ...
        base, _, rest = leaf.partition("[")
        return names.index(base), int(rest.rstrip("]") or -1)

    leaves = sorted({leaf for _, leaf, _ in ordinary_failures}, key=order)
    verdict = diagnose_leaf(ex, cases, ordinary, expected, got, leaves[0])
    first = leaves[0].split("[")[0]
    others = [b for b in dict.fromkeys(leaf.split("[")[0] for leaf in leaves[1:]) if b != first]
    if others:
        verdict.message += f" ({' and '.join(others)} {'is' if len(others) == 1 else 'are'} not right yet either.)"
    return verdict


def diagnose_leaf(ex, cases, ordinary, expected, got, leaf):
    from .function_exercise import describe_args
    tol = {i: ex.tolerance(cases[i]) for i in ordinary}

    def differs(i, e, g):
        return ex.compare_leaf(cases[i], leaf, e, g)

    for mistake in ex.mistakes:
        if _explains(ex, mistake, cases, ordinary, expected, got, leaf, tol):
            return Verdict(False, mistake.code, mistake.message.format(output=leaf))

    pairs = [(i, expected[i][leaf], got[i][leaf]) for i in ordinary]
    if any(g.shape != e.shape for _, e, g in pairs):
        if all(_transposed(e, g, tol[i]) for i, e, g in pairs):
            return Verdict(False, "transposed", f"{leaf} holds the right numbers but transposed: it has shape "
                                                f"{pairs[0][2].shape} where {pairs[0][1].shape} is expected.")
        i, e, g = next(p for p in pairs if p[2].shape != p[1].shape)
        shape = "a single number" if e.ndim == 0 else f"shape {e.shape}"
        given = "a single number" if g.ndim == 0 else f"shape {g.shape}"
        return Verdict(False, "wrong_shape", f"{leaf} should have {shape}, yours has {given} "
                                             f"(for {describe_args(ex.args, cases[i])}).")

    if any(e.ndim == 2 and e.shape[0] == e.shape[1] and differs(i, e, g) for i, e, g in pairs) and \
            all(_transposed(e, g, tol[i]) for i, e, g in pairs):
        return Verdict(False, "transposed", f"{leaf} holds the right numbers but transposed.")

    found = _factor(ex, cases, ordinary, expected, got, leaf)
    if found:
        return Verdict(False, *found)

    for i, e, g in pairs:
        kind = differs(i, e, g)
        if kind == "nonfinite":
            return Verdict(False, "wrong_values", f"{leaf} contains nan or inf for ordinary inputs "
                                                  f"({describe_args(ex.args, cases[i])}).")
        if kind:
            return Verdict(False, "wrong_values", f"{leaf} has the right shape but wrong values. "
                           f"For {describe_args(ex.args, cases[i])}: {_first_difference(leaf, e, g)}.")
    return Verdict(False, "wrong_values", f"{leaf} has wrong values.")  # pragma: no cover - failures exist


def _explains(ex, mistake, cases, ordinary, expected, got, leaf, tol):
    """True when ``mistake`` reproduces the learner's ``leaf`` on every ordinary case and differs from the reference."""
    from .function_exercise import call_quietly
    differs = False
    for i in ordinary:
        try:
            leaves, problem = ex.flatten(call_quietly(mistake.fn, cases[i].args))
        except Exception:
            return False
        if problem or leaf not in leaves or ex.compare_leaf(cases[i], leaf, leaves[leaf], got[i][leaf]):
            return False
        differs = differs or ex.compare_leaf(cases[i], leaf, expected[i][leaf], leaves[leaf]) is not None
    return differs


def _transposed(e, g, tol):
    from .function_exercise import compare
    return e.ndim == 2 and g.shape == e.shape[::-1] and compare(e.T, g, tol) is None


def _factor(ex, cases, ordinary, expected, got, leaf):
    """(code, message) when got = factor * expected on every ordinary case (on the step for update rules)."""
    from .function_exercise import materialize
    base = ex.relative_to.get(leaf)
    ratios, sizes = [], []
    for i in ordinary:
        e = expected[i][leaf].astype(np.float64)
        g = got[i][leaf].astype(np.float64)
        if base is not None:
            b = np.asarray(cases[i].args[ex.args.index(base)], dtype=np.float64)
            e, g = e - b, g - b
        if not (np.all(np.isfinite(e)) and np.all(np.isfinite(g))):
            return None
        denom = float(np.sum(e * e))
        if denom == 0.0:
            if np.any(g != 0):
                return None
            continue
        r = float(np.sum(g * e)) / denom
        if np.max(np.abs(g - r * e)) > 1e-3 * max(abs(r) * np.max(np.abs(e)), 1e-30):
            return None
        ratios.append(r)
        sizes.append({s.symbol: s for s in ex.sizes(*materialize(cases[i].args))})
    if not ratios:
        return None
    return describe_factor(leaf, ratios, sizes, step=base is not None)


def _fits(ratios, targets):
    return all(abs(r - t) <= FACTOR_TOL * abs(t) for r, t in zip(ratios, targets))


def describe_factor(leaf, ratios, sizes, step=False):
    what = f"your step for {leaf}" if step else leaf
    for k in (-1.0, 2.0, 0.5, -2.0, -0.5):
        if _fits(ratios, [k] * len(ratios)):
            if k == -1.0:
                if step:
                    return "sign", (f"{leaf}: your step goes the wrong way, along the gradient (uphill) instead of "
                                    "against it. Check the sign of the update.")
                return "sign", f"{leaf} has the right size but the opposite sign everywhere: check the sign."
            words = {2.0: "2 times too large", 0.5: "half as large as it should be",
                     -2.0: "-2 times the expected value", -0.5: "-1/2 times the expected value"}[k]
            hint = "check the factor 2" + (" and the sign" if k < 0 else "")
            return "scale", f"{what} is {words} everywhere: {hint}."
    symbols = [s for s in sizes[0] if all(s in d for d in sizes)]
    for sym in symbols:
        values = [d[sym].value for d in sizes]
        for p in (1, -1):
            for k in (1.0, 0.5, 2.0, -1.0, -0.5, -2.0):
                targets = [k * v ** p for v in values]
                if _fits(ratios, targets) and not _fits(ratios, [1.0] * len(ratios)):
                    return "scale", _size_message(what, sizes[0][sym], p, k, max(values))
    if _fits(ratios, [ratios[0]] * len(ratios)):
        return "scale", f"{what} is {ratios[0]:.3g} times the expected value everywhere: a constant factor is off."
    return None


def _size_message(what, size, p, k, example):
    sym = size.symbol
    if abs(k) == 1:
        factor = f"{sym} times too large" if p == 1 else f"{sym} times too small"
    else:
        num = "2" if abs(k) == 2 else "1/2"
        factor = (f"{num}·{sym} times the expected value" if p == 1 else f"{num}/{sym} times the expected value")
    text = f"{what} is {factor} everywhere ({sym} = {size.meaning}, up to {example} in our test cases). "
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


def _first_difference(leaf, e, g):
    e64, g64 = e.astype(np.float64), g.astype(np.float64)
    if e.ndim == 0:
        return f"yours is {g64.item():.6g}, expected {e64.item():.6g}"
    diff = np.abs(np.where(np.isfinite(g64), g64, np.inf) - e64)
    idx = np.unravel_index(int(np.argmax(diff)), e.shape)
    where = ", ".join(str(int(j)) for j in idx)
    return f"at {leaf}[{where}] yours is {g64[idx]:.6g}, expected {e64[idx]:.6g}"
