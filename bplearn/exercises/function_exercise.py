"""Exercises whose answer is a function of arrays, checked against bplearn's reference.

``collect`` calls the learner's function on every case (fixed cases, seeded random cases of several
shapes in float32 and float64, edge values) with fresh copies of the inputs, and records what came
back, what the inputs look like afterwards, and any exception.  ``judge`` regenerates the same
cases, calls the reference and each ``Mistake`` on them, and hands the arrays to ``diagnose`` (one
``Trial`` per case), which says how a wrong answer is wrong without reading the learner's code.

Example (an exercise in a module ``nb<NN>_<topic>.py``, see the package docstring)::

    EXERCISES = [FunctionExercise(
        "neuron_gradients", title="Gradients of one sigmoid neuron", points=2,
        args=("x", "w", "b", "y"), outputs=("dw", Output("db", "float")),
        reference=neuron_gradients,                 # bplearn's function, imported at the top
        cases=lambda rng: [Case((rng.normal(size=3), rng.normal(size=3), 0.5, 1.0))],
        mistakes=[Mistake("wrong_derivative", lambda x, w, b, y: ...,
                          "{output}: the sigmoid's derivative was taken of z, not sigmoid(z)")],
    )]
"""

import warnings
import zlib

import numpy as np

from .base import Exercise, resolve
from .cases import Case, Fn, Rng, Size, case_dtype, describe_args, materialize, quietly
from .compare import same
from .diagnose import Mistake, Trial, diagnose, failures
from .evidence import describe, describe_error, error_data, to_data
from .outputs import Output, as_number_array, flatten
from .result import Verdict

# Case, Fn, Rng, Mistake, Output and as_number_array are imported from here by exercise modules:
# keep them exported.
__all__ = ["FunctionExercise", "Case", "Fn", "Rng", "Mistake", "Output", "as_number_array"]

RTOL = {np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-7}


# ---------------------------------------------------------------- the exercise


class FunctionExercise(Exercise):
    """An exercise whose answer is a function, checked case by case against a reference.

    id          stable exercise id (also the function's name in the notebook)
    args        argument names, e.g. ("dZ", "X", "W")
    outputs     the outputs: a name ("dW", an array) or an Output (Output("db", "float") a number,
                Output("clipped", "list") a list of arrays); several mean a tuple is returned
    reference   "module:function" or a callable with the same signature
    cases       rng -> list of Case (rng is seeded from the id, so cases are the same everywhere)
    mistakes    list of Mistake, tried in order before the generic diagnoses
    sizes       (*args) -> list of cases.Size: the sizes a scale error may be off by
                (default: N, the batch size = the first array's shape[0])
    relative_to {output: arg}: for update rules, compare the step output - arg for sign and scale
    choices     (args, expected, got) -> expected, each {output name: array}: where the maths
                allows a choice (a subgradient), replace entries of expected by the learner's when
                theirs is allowed
    stable_hint what to say when only large inputs fail
    restore     {arg: rtol}: arguments the function may change if it restores them (within rtol)
    may_use     bplearn functions the page says to use; may_not_use: others that compute the same
                answer as the reference (see provenance.py)
    observe     (case, args, out) -> outputs: what a call gives, when more than its return value
                counts (the weights a training loop leaves in the network); args as they are after
                the call (materialize(case.args) builds them afresh).  The reference and the
                mistakes are observed the same way.
    error_hint  (error data) -> a sentence added when the answer raises ("" for none)
    passed      what a right answer is told (default: "Right on all 8 test cases.")
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
        observe=None,
        passed=None,
        error_hint=None,
    ):
        self.id, self.title, self.points = id, title, points
        self.args = tuple(args)
        several = isinstance(outputs, (tuple, list))
        self.outputs = tuple(Output.of(o) for o in (outputs if several else (outputs,)))
        self.reference, self.make_cases_fn = reference, cases
        self.mistakes = list(mistakes)
        self.sizes = sizes or _default_sizes
        self.relative_to = dict(relative_to or {})
        self.choices = choices
        self.stable_hint = stable_hint
        self.restore = dict(restore or {})
        self.may_use, self.may_not_use = tuple(may_use), tuple(may_not_use)
        self.observe = observe
        self.passed = passed
        self.error_hint = error_hint
        self.rtol = {**RTOL, **{np.dtype(k): v for k, v in (rtol or {}).items()}}
        names = [o.name for o in self.outputs]
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
                if out is not None and self.observe is not None:
                    out = self.observe(case, args, out)
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
                hint = self.error_hint(c["error"]) if self.error_hint is not None else ""
                return Verdict(
                    False,
                    "error",
                    f"{name} raised {describe_error(c['error'])}\n"
                    f"when called with {describe_args(self.args, case)}. {hint}".rstrip(),
                )
        return self.judge_outputs(cases, [c["out"] for c in calls], [c["after"] for c in calls])

    def judge_outputs(self, cases, outs, afters):
        """Compare outputs with the reference and diagnose; ``afters`` are the arguments after each
        call."""
        ref = resolve(self.reference)
        # 1. structure: the right number and kinds of outputs
        got = []
        for out in outs:
            leaves, problem = flatten(self.outputs, out)
            if problem:
                return Verdict(False, "wrong_shape", f"{self.id} {problem}")
            got.append(leaves)
        # 2. inputs changed in place
        verdict = self.check_mutation(cases, afters)
        if verdict:
            return verdict
        # 3. values, case by case
        trials = []
        for case, leaves in zip(cases, got):
            expected = flatten(self.outputs, self.trusted(ref, case))[0]
            if set(expected) != set(leaves):  # a list output of the wrong length
                name = min(set(expected) ^ set(leaves)).name
                n_exp = sum(leaf.name == name for leaf in expected)
                n_got = sum(leaf.name == name for leaf in leaves)
                return Verdict(
                    False,
                    "wrong_shape",
                    f"{name} should hold {n_exp} arrays (one per input array); "
                    f"yours holds {n_got}, for {describe_args(self.args, case)}.",
                )
            if self.choices is not None:  # the choices function sees {name: array}
                named = self.choices(
                    materialize(case.args),
                    {str(leaf): e for leaf, e in expected.items()},
                    {str(leaf): g for leaf, g in leaves.items()},
                )
                expected = {leaf: named[str(leaf)] for leaf in expected}
            trials.append(self.trial(case, expected, leaves))
        if not failures(trials):
            return Verdict(True, "passed", self.passed or _passed_message(cases))
        # 4. how it is wrong: the mistakes' answers on the same cases, handed to the diagnosis
        for case, trial in zip(cases, trials):
            trial.sizes = {s.symbol: s for s in self.sizes(*materialize(case.args))}
            trial.variants = [self.answer(m.fn, case) for m in self.mistakes]
        names = [o.name for o in self.outputs]
        return diagnose(
            trials, self.mistakes, name=self.id, outputs=names, stable_hint=self.stable_hint
        )

    def answer(self, fn, case):
        """{Leaf: array} that the trusted function ``fn`` (a mistake) gives for ``case``; None when
        it raises or gives no answer of the right kind."""
        try:
            return flatten(self.outputs, self.trusted(fn, case))[0]
        except Exception:
            return None

    def trusted(self, fn, case):
        """What bplearn's own ``fn`` gives for ``case``, observed as the learner's answer is."""
        args = materialize(case.args)
        with quietly():
            out = fn(*args)
        return self.observe(case, args, out) if self.observe is not None else out

    def trial(self, case, expected, got):
        """The case as arrays for the diagnosis (see diagnose.Trial)."""
        base = {}
        for leaf in expected:
            arg = self.relative_to.get(leaf.name)
            if arg is not None:
                base[leaf] = np.asarray(case.args[self.args.index(arg)], dtype=np.float64)
        return Trial(
            expected,
            got,
            self.tolerance(case),
            describe_args(self.args, case),
            case.large,
            base=base,
        )

    def tolerance(self, case):
        return case.rtol if case.rtol is not None else self.rtol.get(case_dtype(case), 1e-7)

    def check_mutation(self, cases, afters):
        for case, after in zip(cases, afters):
            originals = materialize(case.args)
            for j, (name, original, now) in enumerate(zip(self.args, originals, after)):
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


def _default_sizes(*args):
    for a in args:
        if isinstance(a, np.ndarray) and a.ndim >= 1:
            return [Size("N", "the batch size", a.shape[0])]
    return []


def _passed_message(cases):
    n32 = sum(case_dtype(c) == np.float32 for c in cases)
    return f"Right on all {len(cases)} test cases" + (f" ({n32} in float32)." if n32 else ".")
