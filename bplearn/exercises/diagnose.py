"""Find out how a wrong answer is wrong, from arrays: what was expected, what the learner gave,
and what each common mistake gives.

The diagnosis is handed one ``Trial`` per test case and never runs anything: a check (a
``FunctionExercise``, a training loop, the capstone's layers) computes the arrays, and this module
finds the transformation of the right answer that reproduces the learner's numbers on every
ordinary case.  In order:

1. only large inputs fail                     -> not_stable (a ``not_stable`` Mistake that
                                                 reproduces the large cases says how; else the
                                                 ``stable_hint``)
2. two outputs in each other's place          -> swapped
3. a Mistake's variant reproduces it          -> that mistake's code (wrong_derivative, ...)
4. the wrong shape                            -> transposed, or wrong_shape (expected and given)
5. the right numbers transposed               -> transposed
6. a factor: -1 -> sign; 2, 1/2, a size (N, 1/N, 1/(N·C), ...) or a clear constant -> scale
7. anything else                              -> wrong_values (where, yours and expected; "close"
                                                 when slightly off, which is never a factor)
"""

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from .cases import Size
from .compare import compare, factor, first_difference, transposed
from .outputs import Leaf
from .result import Verdict

__all__ = [
    "Mistake",
    "Size",
    "Trial",
    "failures",
    "diagnose",
    "diagnose_array",
    "explain",
    "wrong_values",
    "describe_factor",
    "factor_text",
    "slightly_off",
]

FACTOR_TOL = 1e-4
# a ratio within 0.5 % of 1 is an answer slightly off, not a constant factor
NOT_A_FACTOR = 0.005


@dataclass
class Mistake:
    """A common mistake: ``fn`` computes the answer this mistake gives (a variant of the reference;
    for a ``FunctionExercise`` it has the exercise's signature).

    When the learner's output matches it, the check reports ``code`` with ``message`` (``{output}``
    is replaced by the name of the output that is wrong).  A mistake with code ``not_stable`` is
    compared on every case, large ones included: it models an answer that is right on ordinary
    inputs only.  A ``shape_only`` mistake is recognised by the wrong shape it gives alone (a loop
    that returns one loss per epoch instead of one per step).
    """

    code: str
    fn: object
    message: str
    shape_only: bool = False


@dataclass
class Trial:
    """One test case, as arrays.

    expected  {Leaf: array}: the reference's answer
    got       {Leaf: array}: the learner's
    rtol      the case's tolerance (see compare.py: the one definition of close)
    where     the case in words, for messages ("X of shape (3, 2) (float64)")
    large     an edge case of large values (failing only there means not_stable)
    sizes     {symbol: Size}: the sizes a scale error may be off by
    variants  one per Mistake: {Leaf: array} that mistake gives, or None when it gives no answer
    base      {Leaf: array}: compare ``leaf - base`` (the step of an update rule)
    """

    expected: dict
    got: dict
    rtol: float
    where: str = ""
    large: bool = False
    sizes: dict = field(default_factory=dict)
    variants: list = field(default_factory=list)
    base: dict = field(default_factory=dict)

    def differs(self, leaf, e, g):
        """None when ``g`` is close to ``e`` for ``leaf``; else "shape", "nonfinite" or
        "values"."""
        b = self.base.get(leaf)
        if b is not None and e.shape == g.shape == b.shape:
            e, g = e.astype(np.float64) - b, g.astype(np.float64) - b
        return compare(e, g, self.rtol)


def failures(trials):
    """[(trial index, leaf, kind)] for every leaf of the learner's answer that is not close."""
    return [
        (i, leaf, kind)
        for i, trial in enumerate(trials)
        for leaf, e in trial.expected.items()
        if (kind := trial.differs(leaf, e, trial.got[leaf]))
    ]


def diagnose(trials, mistakes=(), *, name, outputs, stable_hint=""):
    """A Verdict for an answer that fails on some of ``trials`` (one per test case).

    name     what is checked, for messages ("softmax")
    outputs  the output names in order, for messages ("dX", "dW", "db")
    mistakes the Mistakes whose variants each trial holds, tried in order
    """
    return explain(
        trials, mistakes, name=name, outputs=outputs, stable_hint=stable_hint
    ) or wrong_values(trials)


def explain(trials, mistakes=(), *, name, outputs, stable_hint=""):
    """``diagnose`` without its last resort: None when no mistake, swap, shape, transpose or
    factor explains the failures (a check may then say in its own words where they start)."""
    ordinary = [i for i, trial in enumerate(trials) if not trial.large]
    leaves = _failing(trials)
    if not leaves:
        return _not_stable(trials, mistakes, failures(trials), name, stable_hint)
    verdict = _swapped(trials, ordinary, outputs)
    if verdict:
        return verdict
    verdict, m = _diagnose_leaf(trials, ordinary, mistakes, leaves[0])
    if m is not None:  # what the mistake also reproduces is not wrong on its own
        leaves = [leaves[0]] + [x for x in leaves[1:] if not _reproduces(trials, ordinary, m, x)]
    return _also(verdict, leaves)


def wrong_values(trials):
    """The last resort: where the first wrong output differs on the first case, yours and
    expected."""
    i, leaf, kind = min((f for f in failures(trials) if not trials[f[0]].large), key=_by_leaf)
    t, e, g = trials[i], trials[i].expected[leaf], trials[i].got[leaf]
    if kind == "nonfinite":
        message = f"{leaf} contains nan or inf for ordinary inputs{_for(t)}."
    else:
        where = first_difference(str(leaf), e, g)
        where = f"For {t.where}: {where}" if t.where else where[0].upper() + where[1:]
        message = f"{leaf} has the right shape but wrong values. {where}."
        message += slightly_off(e, g, t.rtol)
    return _also(Verdict(False, "wrong_values", message), _failing(trials))


def _by_leaf(failure):
    i, leaf, _ = failure
    return leaf, i


def _failing(trials):
    """The leaves that fail on an ordinary case, in output order."""
    return sorted({leaf for i, leaf, _ in failures(trials) if not trials[i].large})


def _also(verdict, leaves):
    """``verdict`` (about ``leaves[0]``) saying which other outputs are wrong too."""
    if verdict is None:
        return None
    others = [n for n in dict.fromkeys(leaf.name for leaf in leaves[1:]) if n != leaves[0].name]
    if others:
        verdict.message += (
            f" ({' and '.join(others)} {'is' if len(others) == 1 else 'are'} not right yet either.)"
        )
    return verdict


def diagnose_array(name, expected, got, rtol, *, where="", sizes=(), mistakes=(), variants=()):
    """None when the array ``got`` is close to ``expected``; else the Verdict saying how it is
    wrong (the check of one array, for a check written by hand: the capstone's layers)."""
    leaf = Leaf(0, name)
    trial = Trial(
        {leaf: np.asarray(expected)},
        {leaf: np.asarray(got)},
        rtol,
        where,
        sizes={s.symbol: s for s in sizes},
        variants=[{leaf: np.asarray(v)} for v in variants],
    )
    if not failures([trial]):
        return None
    return diagnose([trial], mistakes, name=name, outputs=[name])


def _not_stable(trials, mistakes, found, name, stable_hint):
    i, leaf, kind = found[0]
    for m, mistake in enumerate(mistakes):
        if mistake.code == "not_stable" and _explains(trials, range(len(trials)), m, leaf):
            return Verdict(False, "not_stable", mistake.message.format(output=leaf))
    what = "nan or inf" if kind == "nonfinite" else "wrong values"
    return Verdict(
        False,
        "not_stable",
        f"{name} is right on ordinary inputs but gives {what} in {leaf} for large inputs "
        f"({trials[i].where}). {stable_hint}".strip(),
    )


def _swapped(trials, ordinary, outputs):
    """Two outputs (or two arrays of a list) in each other's place on every ordinary case."""
    for a, b in combinations(list(trials[ordinary[0]].expected), 2):
        if all(
            a in trials[i].got
            and b in trials[i].got
            and trials[i].differs(a, trials[i].expected[a], trials[i].got[b]) is None
            and trials[i].differs(b, trials[i].expected[b], trials[i].got[a]) is None
            for i in ordinary
        ):
            return Verdict(
                False,
                "swapped",
                f"{a} and {b} are swapped: your {a} holds the values of {b} and the "
                f"other way round. Return the outputs in the order ({', '.join(outputs)}).",
            )
    return None


def _diagnose_leaf(trials, ordinary, mistakes, leaf):
    """(Verdict or None, the index of the Mistake that explains ``leaf`` or None)."""
    pairs = [(trials[i], trials[i].expected[leaf], trials[i].got[leaf]) for i in ordinary]
    by_value = [m for m, x in enumerate(mistakes) if x.code != "not_stable"]
    by_shape = [m for m, x in enumerate(mistakes) if x.shape_only]
    wrong_shape = any(g.shape != e.shape for _, e, g in pairs)
    for m in by_value:
        if _explains(trials, ordinary, m, leaf):
            return Verdict(False, mistakes[m].code, mistakes[m].message.format(output=leaf)), m
    for m in by_shape if wrong_shape else ():
        if _same_shape(trials, ordinary, m, leaf):
            return Verdict(False, mistakes[m].code, mistakes[m].message.format(output=leaf)), m
    return _transformed(pairs, leaf), None


def _transformed(pairs, leaf):
    """A Verdict when ``leaf`` is the right answer transformed (shape, transpose, factor)."""
    if any(g.shape != e.shape for _, e, g in pairs):
        if all(transposed(e, g, t.rtol) for t, e, g in pairs):
            return Verdict(
                False,
                "transposed",
                f"{leaf} holds the right numbers but transposed: it has shape "
                f"{pairs[0][2].shape} where {pairs[0][1].shape} is expected.",
            )
        t, e, g = next(p for p in pairs if p[2].shape != p[1].shape)
        shape = "a single number" if e.ndim == 0 else f"shape {e.shape}"
        given = "a single number" if g.ndim == 0 else f"shape {g.shape}"
        return Verdict(
            False, "wrong_shape", f"{leaf} should have {shape}, yours has {given}{_for(t)}."
        )

    if any(
        e.ndim == 2 and e.shape[0] == e.shape[1] and t.differs(leaf, e, g) for t, e, g in pairs
    ) and all(transposed(e, g, t.rtol) for t, e, g in pairs):
        return Verdict(False, "transposed", f"{leaf} holds the right numbers but transposed.")

    found = _factor(pairs, leaf)
    return Verdict(False, *found) if found else None


def _for(trial):
    return f" (for {trial.where})" if trial.where else ""


def _same_shape(trials, indices, m, leaf):
    """True when mistake ``m``'s variant has the learner's (wrong) shape for ``leaf`` on every
    trial in ``indices``."""
    for i in indices:
        variant = trials[i].variants[m] if m < len(trials[i].variants) else None
        if variant is None or leaf not in variant:
            return False
        if np.shape(variant[leaf]) != np.shape(trials[i].got[leaf]):
            return False
    return True


def _explains(trials, indices, m, leaf):
    """True when mistake ``m``'s variant reproduces the learner's ``leaf`` on every trial in
    ``indices`` and differs from the reference on one of them at least."""
    return _reproduces(trials, indices, m, leaf) and any(
        trials[i].differs(leaf, trials[i].expected[leaf], trials[i].variants[m][leaf])
        for i in indices
    )


def _reproduces(trials, indices, m, leaf):
    """True when mistake ``m``'s variant gives the learner's ``leaf`` on every trial in
    ``indices``."""
    for i in indices:
        t = trials[i]
        variant = t.variants[m] if m < len(t.variants) else None
        if variant is None or leaf not in variant or t.differs(leaf, variant[leaf], t.got[leaf]):
            return False
    return True


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


def _factor(pairs, leaf):
    """(code, message) when got = factor * expected on every ordinary case (on the step for update
    rules)."""
    ratios, sizes = [], []
    step = False
    for t, e, g in pairs:
        b = t.base.get(leaf)
        if b is not None:
            step = True
            e, g = e.astype(np.float64) - b, g.astype(np.float64) - b
        c = factor(e, g)
        if c is None:
            return None
        if np.isnan(c):  # both all zero: any factor fits this case
            continue
        ratios.append(c)
        sizes.append(t.sizes)
    if not ratios:
        return None
    return describe_factor(str(leaf), ratios, sizes, step=step)


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
                f"{what} is {_measured(ratios[0])} times the expected value everywhere: a constant"
                " factor is off."
            ),
        )
    return None


def _measured(c):
    """``c`` with as few digits as name it within FACTOR_TOL: 1.5, 0.333, -1.003 (never "-1" for
    a factor of -1.003, which is not -1)."""
    for digits in range(3, 17):
        text = f"{c:.{digits}g}"
        if abs(float(text) - c) <= FACTOR_TOL * abs(c):
            return text
    return repr(c)


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
