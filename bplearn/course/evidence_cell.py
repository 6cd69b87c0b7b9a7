"""The evidence cell: what ``bplearn grade`` and ``bplearn progress`` run inside a notebook's
kernel, after each check cell (added by the run stage, ``run.py``):

    import bplearn.course.evidence_cell as _bplearn_evidence
    _bplearn_evidence.collect_to("relu", lambda: relu, "/tmp/.../evidence")

It runs the exercise's ``collect`` on the learner's answer and writes the evidence (plain data) to
EVIDENCE_DIR/<exercise id>.json/.npz.  The grader judges it in its own process: nothing here decides
a grade, and the learner's ``check`` (redefined or not) is never called.
"""

import types
from pathlib import Path

from bplearn.exercises import evidence, provenance, registry

FUNCTIONS = (types.FunctionType, types.BuiltinFunctionType, types.MethodType)


def collect_to(exercise_id, answer_thunk, directory):
    try:
        answer = answer_thunk()
    except NameError as exc:
        found = {
            "missing": f"Not implemented: {exc} (the cell that defines it is missing or failed)."
        }
    except Exception as exc:
        found = {
            "missing": f"Not implemented: evaluating the answer raised {type(exc).__name__}: {exc}."
        }
    else:
        found = provenance.collect(registry.get(exercise_id), answer)
        # where a function was defined: bplearn's own reference gets no points in grading (see
        # judge.py)
        found["origin"] = answer.__module__ if isinstance(answer, FUNCTIONS) else None
    evidence.dump(found, Path(directory) / exercise_id)


def cell_source(exercise_id, answer, directory):
    """The code of the evidence cell for one exercise."""
    return (
        "import bplearn.course.evidence_cell as _bplearn_evidence\n"
        f"_bplearn_evidence.collect_to({exercise_id!r}, lambda: ({answer}), {str(directory)!r})"
    )
