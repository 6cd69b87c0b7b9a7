"""What a check says: a Verdict from the judge, and the CheckResult a learner sees.

``diagnosis`` is a stable code (the keys of DIAGNOSES); ``message`` says in plain words what is
wrong, with shapes and factors, without giving the solution away.
"""

from dataclasses import dataclass, field

from .display import _execution_count, as_html, as_text, show

#: Every diagnosis code, with what it means.  Codes are stable: grade reports count them.
DIAGNOSES = {
    "passed": "the answer is right",
    "not_implemented": "raises NotImplementedError, returns None, or is not defined",
    "error": "raised an exception (the learner's own exception and line are shown)",
    "wrong_shape": "an output has the wrong shape or type (which output, expected and given)",
    "transposed": "the right numbers, transposed",
    "swapped": "two outputs in each other's place (returned in the wrong order)",
    "scale": "off by a constant factor everywhere (the factor is named)",
    "sign": "the negative of the answer (for an update rule: a step uphill)",
    "wrong_derivative": "a derivative taken of the wrong tensor (e.g. of Z instead of sigmoid(Z))",
    "wrong_axis": "summed or normalised over the wrong axis",
    "at_output": "a local derivative evaluated at the output A = f(Z) instead of at the input Z",
    "mask_from_gradient": "a mask or slope chosen by the upstream gradient instead of by Z",
    "kink": "a slope at a kink (Z = 0) outside the range of slopes allowed there",
    "missed_nodes": "a backward pass that leaves some nodes without their gradient",
    "not_stable": "NaN or overflow on large inputs",
    "no_bias_correction": "Adam without bias correction",
    "mutates_input": "changed an argument in place",
    "wrong_values": "wrong numbers, none of the above",
    # Set by the grader, never by a check:
    "timeout": "did not finish within the time limit",
    "kernel_died": "the Python process running the notebook ended",
    "not_submitted": "no usable submission for this notebook",
    "uses_reference": "the answer is bplearn's own reference implementation, not the learner's",
    "checker_error": "the checker itself failed (a bug in bplearn, not in the answer)",
}


@dataclass
class Verdict:
    """A judge's finding: ``passed`` and, when not, a diagnosis code and a plain-words message."""

    passed: bool
    diagnosis: str = "passed"
    message: str = ""

    def __post_init__(self):
        if self.diagnosis not in DIAGNOSES:
            raise ValueError(
                f"unknown diagnosis {self.diagnosis!r}; choose one of {', '.join(DIAGNOSES)}"
            )
        if self.passed and self.diagnosis != "passed":
            raise ValueError("a passing verdict has diagnosis 'passed'")


@dataclass
class CheckResult:
    """The result of ``check(exercise_id, answer)``.

    passed      True when the answer is right
    points      points earned (max_points when passed, else 0)
    max_points  points the exercise is worth
    diagnosis   a stable code from DIAGNOSES ("passed" when right)
    message     what is right or wrong, in plain words
    """

    exercise_id: str
    passed: bool
    points: float
    max_points: float
    diagnosis: str
    message: str
    title: str = ""
    _shown_in: object = field(default=None, repr=False, compare=False)

    @classmethod
    def from_verdict(cls, exercise, verdict):
        return cls(
            exercise.id,
            verdict.passed,
            exercise.points if verdict.passed else 0,
            exercise.points,
            verdict.diagnosis,
            verdict.message,
            exercise.title,
        )

    def __str__(self):
        return as_text(self)

    def _repr_html_(self):
        return as_html(self)

    def _ipython_display_(self):
        # check() has already shown this verdict in the cell that called it; don't echo it a second
        # time
        # as that cell's Out[...].  Displayed from any later cell, it shows again.
        if self._shown_in is not None and self._shown_in == _execution_count():
            return
        show(self)
