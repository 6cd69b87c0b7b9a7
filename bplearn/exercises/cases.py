"""Test cases: the calls a check makes, the helpers that build them, and case sets several notebooks
share.

Cases are built from an ``rng`` seeded by the exercise id, so the notebook, the grader and
``bplearn progress`` all check exactly the same inputs.  A leaf module: numpy only.

    Case(args, note="", large=False, rtol=None)     one call of the learner's function
    Rng(seed), Fn(name)                             argument tokens: a fresh generator, a trusted
    test function
    Setup(build, words)                             all the arguments, built fresh for each call (a
                                                    network and its optimiser)
    Size(symbol, meaning, value, average)           a size a scale error may be off by ("N", the
    batch size)
    materialize(args)                               fresh copies of the arguments, tokens turned
    into objects
    call_quietly(fn, args)                          fn(*materialize(args)) without numpy warnings
    describe_args(names, case)                      "X of shape (3, 2), W of shape (2, 4) (float64)"
    normal, with_zeros, large, labels               random inputs
    activation_cases, regression_cases, classification_cases, LINEAR_SHAPES   shared by notebooks
    01, 02, 04
    regression_sizes, classification_sizes          the sizes a scale error may be off by
"""

import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

F32, F64 = np.float32, np.float64


# ---------------------------------------------------------------- cases and argument tokens


@dataclass(frozen=True)
class Rng:
    """An argument: a fresh ``np.random.default_rng(seed)`` for each call."""

    seed: int

    def __str__(self):
        return f"np.random.default_rng({self.seed})"


@dataclass(frozen=True)
class Fn:
    """An argument: the trusted test function ``TEST_FUNCTIONS[name]`` (for answers that take a
    function)."""

    name: str

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class Setup:
    """A case's arguments, all built fresh for each call by ``build()`` (a tuple): objects that hold
    state, such as a network and the optimiser that updates it.  ``words`` describes them."""

    build: object
    words: str


@dataclass
class Case:
    """One call: positional ``args`` (arrays, numbers, lists of arrays, Rng, Fn), or a Setup.

    ``note``   words for messages ("large logits", "exact zeros in Z")
    ``large``  an edge case of large values: failing only on such cases means ``not_stable``
    ``rtol``   tolerance override (default: 1e-4 for float32 inputs, 1e-7 for float64)
    """

    args: tuple
    note: str = ""
    large: bool = False
    rtol: float = None


@dataclass(frozen=True)
class Size:
    """A size a scale error may be off by: ``Size("N", "the batch size", 8, "over the batch")``."""

    symbol: str
    meaning: str
    value: int
    average: str = "over the batch"


def materialize(args):
    """Fresh copies of the arguments, tokens turned into objects."""
    if isinstance(args, Setup):
        return list(args.build())
    out = []
    for a in args:
        if isinstance(a, np.ndarray):
            out.append(a.copy())
        elif isinstance(a, list):
            out.append([x.copy() if isinstance(x, np.ndarray) else x for x in a])
        elif isinstance(a, Rng):
            out.append(np.random.default_rng(a.seed))
        elif isinstance(a, Fn):
            out.append(TEST_FUNCTIONS[a.name])
        else:
            out.append(a)
    return out


@contextmanager
def quietly():
    """numpy's warnings silenced (a learner's answer, or a mistake, on large inputs)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def call_quietly(fn, args):
    """``fn`` called on fresh copies of ``args``, with numpy's warnings silenced."""
    with quietly():
        return fn(*materialize(args))


def case_dtype(case):
    """The dtype of the case's first float array (float64 when there is none)."""
    for a in () if isinstance(case.args, Setup) else case.args:
        for x in a if isinstance(a, list) else [a]:
            if isinstance(x, np.ndarray) and x.dtype.kind == "f":
                return x.dtype
    return np.dtype(np.float64)


def describe_args(names, case):
    """The arguments of ``case`` in words: shapes of arrays, values of numbers, the dtype and the
    note."""
    if isinstance(case.args, Setup):
        return case.args.words + (f", {case.note}" if case.note else "")
    parts = []
    for name, a in zip(names, case.args):
        if isinstance(a, np.ndarray):
            parts.append(f"{name} of shape {a.shape}" if a.ndim else f"{name}={a.item():g}")
        elif isinstance(a, list):
            parts.append(f"{name} = a list of {len(a)} arrays")
        elif isinstance(a, (int, float, np.number)) and not isinstance(a, bool):
            parts.append(f"{name}={a:g}")
        else:
            parts.append(f"{name} = {a}")
    text = ", ".join(parts)
    dtype = case_dtype(case)
    if any(isinstance(a, (np.ndarray, list)) for a in case.args):
        text += f" ({dtype})"
    return text + (f", {case.note}" if case.note else "")


# ---------------------------------------------------------------- random inputs


def normal(rng, shape, dtype=F64, scale=1.0):
    """Standard-normal entries times ``scale``, as ``dtype``."""
    return (scale * rng.standard_normal(shape)).astype(dtype)


def with_zeros(rng, shape, dtype=F64, fraction=0.3):
    """Normal entries with about ``fraction`` of them exactly 0 (where a ReLU's derivative is a
    choice)."""
    Z = normal(rng, shape, dtype)
    Z[rng.random(shape) < fraction] = 0
    return Z


def large(rng, shape, dtype=F64, offset=1000.0, spread=5.0):
    """Rows of values around +offset or -offset (alternating), spread a few units apart:
    large enough to overflow a naive exp, with differences a stable formula handles exactly."""
    Z = rng.uniform(-spread, spread, size=shape)
    signs = np.where(np.arange(shape[0]) % 2 == 0, 1.0, -1.0).reshape(
        (-1,) + (1,) * (len(shape) - 1)
    )
    return (Z + signs * offset).astype(dtype)


def labels(rng, n, n_classes):
    return rng.integers(0, n_classes, size=n)


# ---------------------------------------------------------------- case sets shared by several
# notebooks

#: (N, D_in, D_out, dtype) of the linear layer's cases (notebooks 01 and 04)
LINEAR_SHAPES = [
    (3, 2, 4, F64),
    (5, 3, 2, F64),
    (4, 6, 3, F32),
    (2, 4, 5, F64),
    (7, 2, 3, F64),
    (1, 3, 2, F32),
]


def activation_cases(rng, with_dA, zeros=False):
    """Cases (Z,) or (dA, Z) for an element-wise activation: a fixed example, random ones, entries
    up to ±1000."""
    fixed = np.array([[-2.0, -1.0, 0.0], [0.5, 1.0, 3.0]])
    shapes = [((4, 5), F64), ((3, 2), F32), ((6, 3), F64), ((2, 7), F32)]
    make = with_zeros if zeros else normal
    Zs = [(fixed, "the fixed example")] + [
        (make(rng, s, t) if zeros else 2 * make(rng, s, t), "") for s, t in shapes
    ]
    cases = []
    for Z, note in Zs:
        args = (normal(rng, Z.shape, Z.dtype), Z) if with_dA else (Z,)
        cases.append(Case(args, note=note or ("exact zeros in Z" if zeros else "")))
    for t in (F64, F32):
        Z = np.array(
            [[-1000.0, -50.0, 0.0, 50.0, 1000.0], [-800.0, -20.0, 1.0, 20.0, 800.0]], dtype=t
        )
        args = (normal(rng, Z.shape, t), Z) if with_dA else (Z,)
        cases.append(Case(args, note="entries up to ±1000", large=True))
    return cases


def regression_cases(rng):
    """Cases (Y_hat, Y) of several shapes (notebooks 02 and 04)."""
    fixed = (np.array([[1.0], [2.0], [4.0]]), np.array([[1.5], [2.0], [3.0]]))
    shapes = [((5, 2), F64), ((4, 3), F32), ((6, 1), F64), ((2, 4), F64), ((8, 2), F32)]
    return [Case(fixed, note="the fixed example")] + [
        Case((normal(rng, s, t), normal(rng, s, t))) for s, t in shapes
    ]


def regression_sizes(Y_hat, Y):
    """A regression loss averages over every entry: N·D, N or D are the factors a mistake may be off
    by."""
    N = Y_hat.shape[0]
    D = Y_hat.shape[1] if Y_hat.ndim > 1 else 1
    return [
        Size("N·D", "the number of entries", Y_hat.size, "over all entries"),
        Size("N", "the number of examples", N, "over the batch"),
        Size("D", "the number of outputs per example", D, "over the outputs"),
    ]


def classification_cases(rng):
    """Cases (Z, y): logits (N, C) and labels (N,); the large ones overflow a naive exp or underflow
    a log."""
    fixed = (np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]]), np.array([0, 2]))
    shapes = [(4, 5, F64), (3, 4, F32), (6, 2, F64), (5, 3, F64), (2, 6, F32)]
    cases = [Case(fixed, note="the fixed example")]
    cases += [Case((2 * normal(rng, (n, c), t), labels(rng, n, c))) for n, c, t in shapes]
    for t in (F64, F32):
        cases.append(
            Case((large(rng, (4, 3), t), labels(rng, 4, 3)), note="logits around ±1000", large=True)
        )
        # the label's probability underflows to 0: log(softmax(Z)) gives -inf, log-softmax gives
        # -2000
        cases.append(
            Case(
                (
                    np.array([[1000.0, 0.0, -1000.0], [0.0, -1000.0, 1000.0]], dtype=t),
                    np.array([2, 0]),
                ),
                note="logits 2000 apart",
                large=True,
            )
        )
    return cases


def classification_sizes(Z, y=None):
    """Logits Z (N, C): a mistake may be off by N (the batch), C (the classes) or N·C (every
    entry)."""
    N, C = Z.shape
    return [
        Size("N", "the batch size", N, "over the batch"),
        Size("C", "the number of classes", C, "over the classes"),
        Size("N·C", "the number of entries of Z", N * C, "over every entry of Z"),
    ]


#: What to say when a softmax-based answer overflows on large logits.
STABLE_EXP = (
    "np.exp overflows for large inputs (exp(1000) is inf, and inf/inf is nan). "
    "Subtract each row's maximum from Z before exponentiating: it changes nothing mathematically."
)


# ---------------------------------------------------------------- test functions f(x) -> float

_A = np.random.default_rng(0).standard_normal((12, 12))
_A = _A @ _A.T / 12 + np.eye(12)


def sum_of_cubes(x):
    """f(x) = sum x**3"""
    return float(np.sum(x**3))


def exp_sum(x):
    """f(x) = sum exp(x)"""
    return float(np.sum(np.exp(x)))


def quadratic_form(x):
    """f(x) = v.A.v / 2 + sum sin(v), v = x flattened"""
    v = np.ravel(x)
    A = _A[: v.size, : v.size]
    return float(0.5 * v @ A @ v + np.sum(np.sin(v)))


def log_sum_exp(x):
    """f(x) = log sum exp(x)"""
    m = np.max(x)
    return float(m + np.log(np.sum(np.exp(x - m))))


TEST_FUNCTIONS = {f.__name__: f for f in (sum_of_cubes, exp_sum, quadratic_form, log_sum_exp)}
