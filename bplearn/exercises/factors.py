"""Naming the factor between a wrong answer and the right one (a leaf: nothing of bplearn).

describe_factor(leaf, ratios, sizes)   ("sign" or "scale", a message) for a factor that fits every
                                       case: -1, 2, 1/2, a size (N, 1/C, 1/(N·C), ...) or a constant
factor_text(symbol, p, k)              k·symbol**p written out: "N", "1/C", "1/(2·N)"

A factor is named only to the digits it was measured to (FACTOR_TOL): -1.003 is never "-1".
"""

FACTOR_TOL = 1e-4
# a ratio within 0.5 % of 1 is an answer slightly off, not a constant factor
NOT_A_FACTOR = 0.005


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
