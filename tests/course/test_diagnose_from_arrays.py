"""The diagnosis is a component handed arrays (one Trial per case), with no exercise behind it;
outputs are named by dataclasses; one definition of "close"; a factor is named only to the digits
it was measured to."""

import numpy as np
import pytest

from bplearn.exercises import FunctionExercise, check
from bplearn.exercises.cases import Size
from bplearn.exercises.compare import close
from bplearn.exercises.diagnose import Mistake, Trial, describe_factor, diagnose, diagnose_array
from bplearn.exercises.outputs import Leaf, Output, flatten
from bplearn.layers import relu_backward

# wrong answers here are built from bplearn's references: see conftest.unwatched
pytestmark = pytest.mark.usefixtures("unwatched")

DW, DB = Leaf(0, "dW"), Leaf(1, "db")


def trial(expected, got, variants=(), n=4):
    return Trial(
        expected,
        got,
        1e-7,
        "a case",
        sizes={"N": Size("N", "the batch size", n)},
        variants=list(variants),
    )


def test_a_mistake_is_recognised_from_its_variant_arrays_alone():
    rng = np.random.default_rng(0)
    trials = []
    for n in (3, 5):
        dW, db = rng.normal(size=(2, 3)), rng.normal(size=3)
        wrong = {DW: dW, DB: db + 1.0}
        trials.append(trial({DW: dW, DB: db}, wrong, variants=[wrong], n=n))
    verdict = diagnose(
        trials,
        [Mistake("wrong_axis", None, "{output}: summed over the wrong axis")],
        name="linear_backward",
        outputs=["dW", "db"],
    )
    assert (verdict.diagnosis, verdict.message) == ("wrong_axis", "db: summed over the wrong axis")


def test_swapped_outputs_and_size_factors_are_found_from_arrays():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=3), rng.normal(size=3)
    A, B = Leaf(0, "dA"), Leaf(1, "dB")
    swapped = diagnose([trial({A: a, B: b}, {A: b, B: a})], name="f", outputs=["dA", "dB"])
    assert swapped.diagnosis == "swapped" and "order (dA, dB)" in swapped.message
    scaled = diagnose(
        [trial({DW: a}, {DW: a / 4}, n=4), trial({DW: b}, {DW: b / 6}, n=6)],
        name="f",
        outputs=["dW"],
    )
    assert scaled.diagnosis == "scale" and "factor of 1/N" in scaled.message


def test_diagnose_array_checks_one_array_written_by_hand():
    e = np.arange(6.0).reshape(2, 3)
    assert diagnose_array("Z", e, e + 1e-12, 1e-7) is None
    assert diagnose_array("Z", e, e.T, 1e-7).diagnosis == "transposed"
    assert diagnose_array("Z", e, -e, 1e-7).diagnosis == "sign"
    assert diagnose_array("Z", e, e[:1], 1e-7).diagnosis == "wrong_shape"


def test_a_factor_is_named_only_to_the_digits_it_was_measured_to():
    code, message = describe_factor("dZ", [-1.003, -1.003], [{}, {}])
    assert code == "scale" and "-1.003 times" in message and "-1 times" not in message
    result = check("relu_backward", lambda dA, Z: -1.003 * relu_backward(dA, Z), show_result=False)
    assert result.diagnosis == "scale" and "-1.003 times the expected value" in result.message


def test_close_is_relative_to_the_largest_entry():
    assert close([1.0, 1e-9], [1.0, 2e-9], 1e-7)
    assert not close([1.0, 2.0], [1.0, 2.0 + 3e-7], 1e-7)
    assert not close([1.0, 2.0], [1.0, 2.0, 3.0], 1e-7)


def test_outputs_are_dataclasses_and_leaves_keep_their_order():
    leaves, problem = flatten(
        (Output("clipped", "list"), Output("total", "float")), ([np.ones(2), np.zeros(3)], 2.0)
    )
    assert problem is None
    assert [str(leaf) for leaf in sorted(leaves)] == ["clipped[0]", "clipped[1]", "total"]
    _, problem = flatten((Output("db", "float"),), np.ones(3))
    assert problem == "should return db as a single number; yours is an array of shape (3,)."


def test_an_output_written_in_the_old_string_form_is_refused_with_the_fix():
    with pytest.raises(ValueError, match=r"Output\('db', 'float'\)"):
        FunctionExercise(
            "f", args=("x",), outputs=("dw", "db:float"), reference=abs, cases=lambda rng: []
        )


def test_the_capstones_fallback_linear_is_bplearns_linear_itself_not_a_renamed_class():
    import bplearn as bp
    from bplearn.exercises import get

    layer = get("capstone_linear").reference_function()(3, 2, np.random.default_rng(0))
    assert type(layer) is bp.Linear
    assert check(
        "capstone_linear", get("capstone_linear").reference, show_result=False
    ).diagnosis == ("not_implemented")
