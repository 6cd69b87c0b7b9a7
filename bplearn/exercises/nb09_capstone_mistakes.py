"""Notebook 09's mistake models: the common wrong answers the capstone's checks recognise (the
learner's Linear, ReLU and Adam), as ``Mistake`` objects ``nb09_capstone``'s judges hand to the
diagnosis.
"""

import math

from ..optim import Adam, adam_step
from .diagnose import Mistake

# ---------------------------------------------------------------- Linear: what backward returns

REPLACES = Mistake(
    "wrong_values",
    None,
    "Your backward replaces {output}; like every bplearn layer it should add to it (+=), so that"
    " zero_grad() then backward() means the same for your layers as for bplearn's.",
)
SUMMED_OVER_FEATURES = Mistake(
    "wrong_axis", None, "{output} sums dZ over the wrong axis: sum over the batch (axis 0).", True
)
DIVIDED_AGAIN = Mistake(
    "scale",
    None,
    "{output} is off by a factor of 1/N everywhere (N = the batch size). The loss already"
    " averages over the batch, so dZ carries the 1/N: do not divide again.",
)


# ---------------------------------------------------------------- ReLU

RELU_MISTAKES = [
    Mistake(
        "wrong_derivative",
        lambda dA, Z: dA * (dA > 0),
        "{output} takes its mask from dA; whether the gradient passes depends on the layer's input"
        " Z.",
    ),
    *[
        Mistake(
            "wrong_values",
            mask,
            "{output} is the mask alone: multiply it by the upstream gradient dA.",
        )
        for mask in (lambda dA, Z: (Z > 0) * 1.0, lambda dA, Z: (Z >= 0) * 1.0)
    ],
]


# ---------------------------------------------------------------- Adam


def _adam_variant(step_number=lambda t: t, sign=1.0):
    """bplearn's Adam with one mistake: the step number it corrects with, or the direction of the
    step."""

    class Variant(Adam):
        def rule(self, w, dw, state):
            w_new, state["m"], state["v"] = adam_step(
                w,
                dw,
                state.get("m", 0.0),
                state.get("v", 0.0),
                step_number(self.t),
                self.lr,
                *self.betas,
                self.eps,
            )
            return w + sign * (w_new - w)

    return Variant


ADAM_MISTAKES = [
    Mistake(
        "no_bias_correction",
        _adam_variant(step_number=lambda t: math.inf),
        "Your steps match Adam without bias correction: divide m and v by (1 - beta**t).",
    ),
    Mistake(
        "wrong_values",
        _adam_variant(step_number=lambda t: 1),
        "Your steps match Adam with t = 1 at every step: pass self.t, the step count"
        " (Optimizer.step increases it before calling rule).",
    ),
    Mistake(
        "sign",
        _adam_variant(sign=-1.0),
        "Your steps go uphill, along the gradient: check the sign of the update.",
    ),
]
