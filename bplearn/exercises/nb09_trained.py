"""Notebook 09's last exercise: a network of the learner's own layers that reaches 94 % test
accuracy on held-out digits within a budget of 3 epochs.

    capstone_accuracy   the trained network: test accuracy >= 0.94 on the held-out digits

``collect`` computes the network's predicted labels for the held-out digits; ``judge`` counts the
right ones and never runs learner code.
"""

import numpy as np

from ..data import load_digits, train_test_split
from .base import CustomExercise, is_bplearns
from .evidence import describe
from .result import Verdict

CAPSTONE_TARGET = 0.94
# the budget the notebook sets; the check sees only the network, so it cannot count epochs
CAPSTONE_EPOCHS = 3

# Why these two numbers (5 seeds each, test accuracy, identical under OPENBLAS_CORETYPE=Prescott and
# Sandybridge): within 3 epochs of batch 32, one hidden layer of 64 with Adam's default lr 1e-3
# reaches 0.79-0.86 (the naive choice misses), lr 1e-2 reaches 0.944-0.953 at width 64 and
# 0.958-0.962 at width 256 (a reasoned choice clears it).


def capstone_split():
    """The capstone's split of the digits: (X_train, X_test, y_train, y_test), a quarter held out
    (seed 0)."""
    X, y = load_digits()
    return train_test_split(X, y, test_size=0.25, seed=0)


def _collect_accuracy(net):
    """The network's predicted labels for the held-out digits (computed here, not by the
    learner)."""
    _, X_test, _, _ = capstone_split()
    if hasattr(net, "predict"):
        Z = net.predict(X_test)
    elif callable(net):
        Z = net(X_test)
    else:
        raise TypeError(
            f"pass your trained network (with a predict method); got a {type(net).__name__}"
        )
    Z = np.asarray(Z)
    labels = Z.argmax(axis=1) if Z.ndim == 2 and Z.shape[1] > 1 else Z
    library = [
        type(layer).__name__ for layer in getattr(net, "layers", []) if is_bplearns(type(layer))
    ]
    return {"labels": labels, "library_layers": library}


def _judge_accuracy(data):
    _, _, _, y_test = capstone_split()
    if data["library_layers"]:
        return Verdict(
            False,
            "not_implemented",
            "Your network is built from bplearn's layers "
            f"({', '.join(sorted(set(data['library_layers'])))}), not yours (or "
            "yours do not pass their checks yet, and bplearn's were used "
            "instead): finish your layers, then train again.",
        )
    labels = data["labels"]
    if not isinstance(labels, np.ndarray) or labels.shape[0:1] != y_test.shape:
        return Verdict(
            False,
            "wrong_shape",
            "Your network should give one row of 10 scores per digit for the "
            f"{y_test.size} held-out digits; it gave {describe(labels)}.",
        )
    if labels.ndim != 1:
        labels = labels.reshape(labels.shape[0], -1)[:, 0]
    if not np.all(np.isfinite(labels)):
        return Verdict(
            False,
            "wrong_values",
            "Your network's outputs on the held-out digits contain nan or inf: "
            "training diverged (lower the learning rate and rebuild it).",
        )
    acc = float(np.mean(labels == y_test))
    if acc >= CAPSTONE_TARGET:
        return Verdict(
            True,
            "passed",
            f"Test accuracy {acc:.3f} on the {y_test.size} held-out digits "
            f"(at least {CAPSTONE_TARGET} needed).",
        )
    return Verdict(
        False,
        "wrong_values",
        f"Test accuracy {acc:.3f} on the {y_test.size} held-out digits; "
        f"{CAPSTONE_TARGET} is needed. Within the budget of {CAPSTONE_EPOCHS} "
        "epochs, training longer is not the answer: look at your sweep and "
        "choose the learning rate and the width from it.",
    )


EXERCISES = [
    CustomExercise(
        "capstone_accuracy",
        title="Reach 94% test accuracy on the digits within 3 epochs",
        points=3,
        signature="capstone_accuracy: your trained network",
        collect=_collect_accuracy,
        judge=_judge_accuracy,
    ),
]
