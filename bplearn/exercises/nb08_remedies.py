"""Notebook 08's exercises: remedies for vanishing and exploding gradients.

    clip_grad_norm(grads, max_norm) -> (clipped, total_norm)     clipping by the global norm
    xavier_init(n_in, n_out, rng) -> W                            variance 2/(n_in + n_out)
    he_init(n_in, n_out, rng) -> W                                variance 2/n_in

The clipping mistakes call bplearn's ``clip_by_global_norm`` and ``global_norm``, the one reference.
"""

from ..init import he_normal, he_uniform, xavier_normal, xavier_uniform
from ..optim import clip_by_global_norm, global_norm
from .cases import F32, Case, normal
from .function_exercise import FunctionExercise, Mistake, Output
from .init_exercise import InitExercise


def _clip_cases(rng):
    return [
        Case(([normal(rng, (3, 2))], 1.0), note="one array, norm above max_norm"),
        Case(
            ([normal(rng, (2, 3)), normal(rng, 3), normal(rng, 1)], 0.5), note="norm above max_norm"
        ),
        Case(([normal(rng, 4), normal(rng, (2, 2))], 100.0), note="norm below max_norm"),
        Case(([normal(rng, (2, 2), F32), normal(rng, 3, F32)], 1.5), note="norm above max_norm"),
        Case(([3 * normal(rng, 5), normal(rng, (1, 2))], 2.0), note="norm above max_norm"),
    ]


def _clip_each_array(grads, max_norm):
    return [clip_by_global_norm([g], max_norm)[0][0] for g in grads], global_norm(grads)


def _norm_after_clipping(grads, max_norm):
    clipped, _ = clip_by_global_norm(grads, max_norm)
    return clipped, global_norm(clipped)


def _always_rescaled(grads, max_norm):
    total = global_norm(grads)
    return [g * (max_norm / total) for g in grads], total


def _sum_of_norms(grads, max_norm):
    total = sum(global_norm([g]) for g in grads)
    scale = max_norm / total if total > max_norm else 1.0
    return [g * scale for g in grads], total


EXERCISES = [
    FunctionExercise(
        "clip_grad_norm",
        title="Clipping gradients by their global norm",
        points=2,
        args=("grads", "max_norm"),
        outputs=(Output("clipped", "list"), Output("total_norm", "float")),
        reference=clip_by_global_norm,
        may_not_use=(global_norm,),
        cases=_clip_cases,
        mistakes=[
            Mistake(
                "wrong_values",
                _clip_each_array,
                "{output}: each array was clipped by its own norm; clip them all together by their"
                " global norm (the norm of every entry of every array, as one vector).",
            ),
            Mistake(
                "wrong_values",
                _norm_after_clipping,
                "{output} is the norm after clipping: return the norm before clipping.",
            ),
            Mistake(
                "wrong_values",
                _always_rescaled,
                "{output} was rescaled although the global norm was below max_norm: only shrink"
                " gradients whose norm is larger.",
            ),
            Mistake(
                "wrong_values",
                _sum_of_norms,
                "{output}: the global norm is not the sum of the arrays' norms but the norm of all"
                " their entries together.",
            ),
        ],
    ),
    InitExercise(
        "xavier_init",
        title="Xavier (Glorot) initialisation",
        points=1,
        target=("2/(n_in + n_out)", lambda i, o: 2 / (i + o)),
        reference=xavier_uniform,
        may_not_use=(xavier_normal,),
    ),
    InitExercise(
        "he_init",
        title="He initialisation",
        points=1,
        target=("2/n_in", lambda i, o: 2 / i),
        reference=he_normal,
        may_not_use=(he_uniform,),
    ),
]
