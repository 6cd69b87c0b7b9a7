"""Exercises whose answer is a function of arrays, checked against bplearn's reference.

``collect`` calls the learner's function on every case (fixed cases, seeded random cases of several
shapes in float32 and float64, edge values) with fresh copies of the inputs, and records what came
back, what the inputs look like afterwards, and any exception.  ``judge`` regenerates the same
cases, calls the reference, and compares.  When an answer is wrong it finds out how by trying
transformations of the reference answer, never by reading the learner's code:

    exercise-specific ``Mistake`` models   (a derivative of the wrong tensor, a sum over the wrong
    axis, ...)
    swapped outputs                        (dW where dX belongs and the other way round)
    transposed                             (the right numbers, transposed)
    a constant factor or a size factor     (sign, 2, 1/2, N, 1/N, 1/C, ...), on the update step for
                                           update rules (``relative_to``)
    failures only on large inputs          (not_stable)

Example (an exercise in a module ``nb<NN>_<topic>.py``, see the package docstring)::

    EXERCISES = [FunctionExercise(
        "neuron_gradients", title="Gradients of one sigmoid neuron", points=2,
        args=("x", "w", "b", "y"), outputs=("dw", "db:float"),
        reference=neuron_gradients,                      # bplearn's function, imported at the top
        cases=lambda rng: [Case((rng.normal(size=3), rng.normal(size=3), 0.5, 1.0)) for _ in
        range(4)], mistakes=[Mistake("wrong_derivative", lambda x, w, b, y: ..., "{output}: the
        sigmoid's derivative "
                          "was taken of z instead of sigmoid(z)")],
    )]
"""

import warnings
import zlib

import numpy as np

from .base import Exercise, resolve
from .cases import Case, Fn, Rng, Size, call_quietly, case_dtype, describe_args, materialize
from .compare import as_number_array, compare, same
from .diagnose import Mistake, diagnose_failures
from .evidence import describe, describe_error, error_data, to_data
from .result import Verdict

# Case, Fn, Rng, Mistake and as_number_array are imported from here by exercise modules: keep them
# exported.
__all__ = ["FunctionExercise", "Case", "Fn", "Rng", "Mistake", "as_number_array"]

RTOL = {np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-7}


# ---------------------------------------------------------------- the exercise


class FunctionExercise(Exercise):
    """An exercise whose answer is a function, checked case by case against a reference.

    id          stable exercise id (also the function's name in the notebook)
    args        argument names, e.g. ("dZ", "X", "W")
    outputs     output names; "name" is an array, "name:float" a number, "name:list" a list of
    arrays.
                A tuple of several names means the function returns a tuple.
    reference   "module:function" or a callable with the same signature
    cases       rng -> list of Case (rng is seeded from the id, so cases are the same everywhere)
    mistakes    list of Mistake, tried in order before the generic diagnoses
    sizes       (*args) -> list of cases.Size: the sizes a scale error may be off by
                (default: N, the batch size = the first array's shape[0])
    relative_to {output: arg}: for update rules, compare the step output - arg for sign and scale
    choices     (args, expected, got) -> expected: where the maths allows a choice (a subgradient),
                replace entries of expected by the learner's when theirs is allowed
    stable_hint what to say when only large inputs fail
    restore     {arg: rtol}: arguments the function may change if it restores them (within rtol)
    may_use     bplearn functions the page says to use; may_not_use: others that compute the same
                answer as the reference (see provenance.py)
    """

    def __init__(
        self,
        id,
        *,
        args,
        outputs,
        reference,
        cases,
        title="",
        points=1,
        signature="",
        mistakes=(),
        sizes=None,
        relative_to=None,
        choices=None,
        stable_hint="",
        restore=None,
        rtol=None,
        may_use=(),
        may_not_use=(),
    ):
        self.id, self.title, self.points = id, title, points
        self.args = tuple(args)
        self.outputs = (outputs,) if isinstance(outputs, str) else tuple(outputs)
        self.spec = [tuple(o.split(":")) if ":" in o else (o, "array") for o in self.outputs]
        self.reference, self.make_cases_fn = reference, cases
        self.mistakes = list(mistakes)
        self.sizes = sizes or _default_sizes
        self.relative_to = dict(relative_to or {})
        self.choices = choices
        self.stable_hint = stable_hint
        self.restore = dict(restore or {})
        self.may_use, self.may_not_use = tuple(may_use), tuple(may_not_use)
        self.rtol = {**RTOL, **{np.dtype(k): v for k, v in (rtol or {}).items()}}
        names = [n for n, _ in self.spec]
        ret = names[0] if len(names) == 1 else "(" + ", ".join(names) + ")"
        self.signature = signature or f"{id}({', '.join(self.args)}) -> {ret}"

    # -------------------------------------------------- collect: runs the learner's code

    def cases(self):
        return self.make_cases_fn(np.random.default_rng(zlib.crc32(self.id.encode())))

    def collect(self, answer):
        if answer is None:
            return {"none": True}
        if not callable(answer):
            return {"not_callable": describe(to_data(answer))}
        calls = []
        for case in self.cases():
            args = materialize(case.args)
            record = {}
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out = answer(*args)
                record["out"] = to_data(out)
            except NotImplementedError:
                calls.append({"not_implemented": True})
                break
            except (Exception, SystemExit) as exc:
                record["error"] = error_data(exc)
            record["after"] = [
                to_data(a) if isinstance(a, (np.ndarray, list)) else None for a in args
            ]
            calls.append(record)
        return {"calls": calls}

    # -------------------------------------------------- judge: trusted, pure

    def judge(self, evidence):
        name = self.id
        if evidence.get("missing"):
            return Verdict(False, "not_implemented", evidence["missing"])
        if evidence.get("none"):
            return Verdict(False, "not_implemented", f"Not implemented yet: {name} is None.")
        if evidence.get("not_callable"):
            return Verdict(
                False,
                "wrong_shape",
                f"{name} should be a function; it is {evidence['not_callable']}.",
            )
        calls = evidence["calls"]
        if any(c.get("not_implemented") for c in calls):
            return Verdict(
                False, "not_implemented", f"Not implemented yet: {name} raises NotImplementedError."
            )
        for c in calls:
            if "error" not in c and c.get("out") is None:
                return Verdict(
                    False,
                    "not_implemented",
                    f"Not implemented yet: {name} returned None. Did you forget `return`?",
                )
        cases = self.cases()
        if len(calls) != len(cases):
            raise ValueError(f"evidence has {len(calls)} calls for {len(cases)} cases")
        for case, c in zip(cases, calls):
            if "error" in c:
                return Verdict(
                    False,
                    "error",
                    f"{name} raised {describe_error(c['error'])}\n"
                    f"when called with {describe_args(self.args, case)}.",
                )
        return self.judge_outputs(cases, [c["out"] for c in calls], [c["after"] for c in calls])

    def judge_outputs(self, cases, outs, afters):
        """Compare outputs with the reference and diagnose; ``afters`` are the arguments after each
        call."""
        ref = resolve(self.reference)
        # 1. structure: the right number and kinds of outputs
        got_leaves = []
        for case, out in zip(cases, outs):
            leaves, problem = self.flatten(out)
            if problem:
                return Verdict(False, "wrong_shape", f"{self.id} {problem}")
            got_leaves.append(leaves)
        expected = [self.flatten(call_quietly(ref, case.args))[0] for case in cases]
        # 2. inputs changed in place
        verdict = self.check_mutation(cases, afters)
        if verdict:
            return verdict
        # 3. values, case by case
        failures = []  # (case index, leaf name, kind)
        for i, case in enumerate(cases):
            exp, got = expected[i], got_leaves[i]
            if set(exp) != set(got):  # a list output of the wrong length
                missing = sorted(set(exp) ^ set(got))[0]
                base = missing.split("[")[0]
                n_exp = sum(k.startswith(base + "[") for k in exp)
                n_got = sum(k.startswith(base + "[") for k in got)
                return Verdict(
                    False,
                    "wrong_shape",
                    f"{base} should hold {n_exp} arrays (one per input array); "
                    f"yours holds {n_got}, for {describe_args(self.args, case)}.",
                )
            if self.choices is not None:
                exp = self.choices(materialize(case.args), dict(exp), got)
                expected[i] = exp
            for leaf in exp:
                kind = self.compare_leaf(case, leaf, exp[leaf], got[leaf])
                if kind:
                    failures.append((i, leaf, kind))
        if not failures:
            return Verdict(True, "passed", _passed_message(cases))
        return self.diagnose(cases, expected, got_leaves, failures)

    def compare_leaf(self, case, leaf, expected, got):
        """None when right; else "shape", "nonfinite" or "values".  Update rules compare their
        steps."""
        base = self.relative_to.get(leaf)
        if base is not None and expected.shape == got.shape:
            b = np.asarray(case.args[self.args.index(base)], dtype=np.float64)
            if b.shape == expected.shape:
                expected, got = expected.astype(np.float64) - b, got.astype(np.float64) - b
        return compare(expected, got, self.tolerance(case))

    def tolerance(self, case):
        return case.rtol if case.rtol is not None else self.rtol.get(case_dtype(case), 1e-7)

    def flatten(self, out):
        """(leaves, problem): {leaf name: array} in output order, or a sentence saying what is
        wrong."""
        names = [n for n, _ in self.spec]
        if len(self.spec) > 1:
            if not isinstance(out, (tuple, list)) or len(out) != len(self.spec):
                return (
                    None,
                    (
                        f"should return {len(self.spec)} values ({', '.join(names)}); "
                        f"it returned {describe(out)}."
                    ),
                )
            values = list(out)
        else:
            values = [out]
        leaves = {}
        for (name, kind), value in zip(self.spec, values):
            if kind == "list":
                if not isinstance(value, (list, tuple)):
                    return (
                        None,
                        f"should return {name} as a list of arrays; yours is {describe(value)}.",
                    )
                items = [(f"{name}[{j}]", v) for j, v in enumerate(value)]
            else:
                items = [(name, value)]
            for leaf, v in items:
                arr = as_number_array(v)
                if arr is None:
                    want = "a number" if kind == "float" else "an array"
                    return None, f"should return {leaf} as {want}; yours is {describe(v)}."
                if kind == "float" and arr.ndim != 0:
                    return (
                        None,
                        (
                            f"should return {leaf} as a single number; yours is an array of shape"
                            f" {arr.shape}."
                        ),
                    )
                leaves[leaf] = arr
        return leaves, None

    def check_mutation(self, cases, afters):
        for case, after in zip(cases, afters):
            for j, (name, original, now) in enumerate(zip(self.args, case.args, after)):
                pairs = (
                    list(zip(original, now))
                    if isinstance(original, list) and isinstance(now, list)
                    else [(original, now)]
                )
                if isinstance(original, list) and (
                    not isinstance(now, list) or len(now) != len(original)
                ):
                    return Verdict(
                        False,
                        "mutates_input",
                        f"{self.id} changed the list {name} it was given "
                        "(its length). Build a new list instead.",
                    )
                for o, n in pairs:
                    if not isinstance(o, np.ndarray):
                        continue
                    rtol = self.restore.get(name)
                    if not isinstance(n, np.ndarray) or n.shape != o.shape or not same(o, n, rtol):
                        how = "and did not restore it exactly" if rtol is not None else "in place"
                        fix = (
                            "Put every entry back after you nudge it."
                            if rtol is not None
                            else (
                                f"Leave {name} as it is: compute a new array instead of writing"
                                f" into {name}."
                            )
                        )
                        return Verdict(
                            False,
                            "mutates_input",
                            f"{self.id} changed its argument {name} {how} "
                            f"(for {describe_args(self.args, case)}). {fix}",
                        )
        return None

    # -------------------------------------------------- diagnosis

    def diagnose(self, cases, expected, got, failures):
        return diagnose_failures(self, cases, expected, got, failures)


def _default_sizes(*args):
    for a in args:
        if isinstance(a, np.ndarray) and a.ndim >= 1:
            return [Size("N", "the batch size", a.shape[0])]
    return []


def _passed_message(cases):
    n32 = sum(case_dtype(c) == np.float32 for c in cases)
    return f"Right on all {len(cases)} test cases" + (f" ({n32} in float32)." if n32 else ".")
