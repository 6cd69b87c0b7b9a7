"""Notebook 00's exercise: a warm-up that shows how a check works.

warmup: affine(x, w, b) -> w * x + b
"""

from .cases import F32, Case, normal
from .function_exercise import FunctionExercise, Mistake


def _warmup_cases(rng):
    return [
        Case((2.0, 3.0, 1.0)),
        Case((normal(rng, 5), 2.5, -1.0)),
        Case((normal(rng, (3, 2)), -0.5, 4.0)),
        Case((normal(rng, 4, F32), F32(1.5), F32(0.25))),
    ]


def affine(x, w, b):
    """w * x + b, element-wise."""
    return w * x + b


EXERCISES = [
    FunctionExercise(
        "warmup",
        title="Warm-up: an affine function",
        points=1,
        args=("x", "w", "b"),
        outputs="out",
        reference=affine,
        cases=_warmup_cases,
        signature="affine(x, w, b) -> w * x + b",
        mistakes=[
            Mistake("wrong_values", lambda x, w, b: w * x, "{output} is missing the bias b."),
            Mistake(
                "wrong_values",
                lambda x, w, b: w * (x + b),
                "{output}: b is added before multiplying by w.",
            ),
            Mistake("wrong_values", lambda x, w, b: b * x + w, "{output}: w and b are swapped."),
        ],
    ),
]
