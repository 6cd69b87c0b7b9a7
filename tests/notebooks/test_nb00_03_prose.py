"""Notebooks 00-03: what the prose says is what the code computes.

Each source notebook is executed once (in a temporary copy); the tests read the outputs of cells
found by their ids and the markdown around them, so a change to the code that makes a sentence
untrue fails here.
"""

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "notebooks" / "solutions"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

_executed = {}


def executed(name, tmp_path_factory):
    if name not in _executed:
        tmp = tmp_path_factory.mktemp(name)
        shutil.copy(SOURCES / f"{name}.ipynb", tmp / f"{name}.ipynb")
        nb = nbformat.read(tmp / f"{name}.ipynb", as_version=4)
        NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp)}}
        ).execute()
        _executed[name] = nb
    return _executed[name]


class Notebook:
    def __init__(self, nb):
        self.nb = nb
        self.by_id = {cell.get("id"): cell for cell in nb.cells}

    def out(self, cell_id):
        """All text a code cell printed or displayed."""
        parts = []
        for out in self.by_id[cell_id].outputs:
            parts.append(out.get("text", ""))
            parts.append(out.get("data", {}).get("text/plain", ""))
        return "".join(parts)

    def images(self, cell_id):
        return sum("image/png" in out.get("data", {}) for out in self.by_id[cell_id].outputs)

    @property
    def markdown(self):
        return "\n".join(c.source for c in self.nb.cells if c.cell_type == "markdown")


@pytest.fixture(scope="module")
def nb00(tmp_path_factory):
    return Notebook(executed("00-start-here", tmp_path_factory))


@pytest.fixture(scope="module")
def nb01(tmp_path_factory):
    return Notebook(executed("01-forward-pass", tmp_path_factory))


@pytest.fixture(scope="module")
def nb02(tmp_path_factory):
    return Notebook(executed("02-loss", tmp_path_factory))


@pytest.fixture(scope="module")
def nb03(tmp_path_factory):
    return Notebook(executed("03-chain-rule", tmp_path_factory))


def numbers(text):
    return [float(x) for x in re.findall(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)]


# ---------------------------------------------------------------- 00 start here


def test_00_course_map_lists_every_course_notebook_in_order(nb00):
    rows = re.findall(r"^\| (\d\d[a-z]?) \| \*\*(.+?)\*\*", nb00.markdown, flags=re.M)
    sources = sorted(p.name.split("-")[0] for p in SOURCES.glob("*.ipynb"))
    assert [r[0] for r in rows] == sources


def test_00_course_map_names_each_registered_exercise_of_notebooks_01_to_05_and_08(nb00):
    from bplearn.exercises import exercise_ids

    for exercise in [
        "linear_forward",
        "sigmoid",
        "relu",
        "mse_loss",
        "softmax",
        "cross_entropy_loss",
        "numerical_gradient",
        "linear_backward",
        "sgd_step",
        "momentum_step",
        "adam_step",
        "clip_grad_norm",
    ]:
        assert exercise in exercise_ids()
        assert f"`{exercise}`" in nb00.markdown


def test_00_the_warm_up_passes_and_the_two_wrong_answers_get_different_diagnoses(nb00):
    assert "✓ warmup: passed" in nb00.out("check-warmup")
    wrong = nb00.out("wrong-answers")
    assert "missing the bias" in wrong and "sign" in wrong
    assert wrong.count("✗ warmup") == 2


def test_00_tour_before_is_about_half_right_and_after_gets_nearly_all_test_points_right(nb00):
    text = nb00.out("tour-train")
    before, after = (float(v) / 100 for v in re.findall(r"test accuracy (\d+)%", text))
    assert "about half right" in nb00.markdown and 0.35 <= before <= 0.65
    assert "gets nearly all the test points right" in nb00.markdown and after >= 0.97


def test_00_tour_draws_the_data_the_curves_and_the_evolution(nb00):
    for cell in ("tour-data", "tour-plots", "tour-evolution"):
        assert nb00.images(cell) == 1, cell


# ---------------------------------------------------------------- 01 forward pass


def test_01_the_neuron_is_the_one_drawn_in_notebook_03(nb01):
    from bplearn.plots import neuron_values

    v = neuron_values()
    text = nb01.out("one-neuron")
    assert f"z = {v['z']['value']:.4f}" in text and f"a = σ(z) = {v['a']['value']:.4f}" in text


def test_01_loops_and_products_agree_and_the_product_is_faster(nb01):
    for cell in ("layer-two-ways", "batch-shapes", "linear-collapse", "network-forward"):
        assert "< 1e-12): True" in nb01.out(cell), cell
    text = nb01.out("loop-vs-product")
    assert "same numbers: True" in text
    assert float(re.search(r"\((\d+)× faster\)", text).group(1)) > 1


def test_01_slopes_stated_in_the_prose_are_the_measured_ones(nb01):
    rows = {
        line.split()[0]: numbers(line) for line in nb01.out("activation-slopes").splitlines()[1:]
    }
    at_minus4, _, at0, _, at4, largest = rows["sigmoid"]
    assert "**0.25**" in nb01.markdown and largest == 0.25 and at0 == 0.25
    assert (
        "at\n$|z| = 4$ it is already below 0.02" in nb01.markdown
        and at4 < 0.02
        and at_minus4 < 0.02
    )
    assert rows["tanh"][-1] == 1.0 and rows["ReLU"][-1] == 1.0
    assert rows["tanh"][4] < rows["sigmoid"][4]  # "flattens out, faster still"
    assert "DISAGREE" not in nb01.out("activation-slopes")
    assert nb01.images("activation-plot") == 1 and nb01.images("network-diagram") == 1


# ---------------------------------------------------------------- 02 loss


def test_02_mse_by_hand_is_0_17_and_averaging_ignores_repetition(nb02):
    assert "the mean 0.17." in nb02.markdown and "L = mean = 0.1700" in nb02.out("mse-by-hand")
    text = nb02.out("mse-properties")
    assert "0.1700  ->  batch repeated: 0.1700" in text
    assert "error 1 costs 1, error 2 costs 4" in text


def test_02_naive_softmax_overflows_to_nan_and_the_stable_one_does_not(nb02):
    text = nb02.out("softmax-overflow")
    assert "np.exp(1003.0) = inf" in text
    lines = text.splitlines()
    assert "nan" not in lines[-2] and lines[-1].count("nan") == 3
    stable = nb02.out("softmax-stable")
    assert "nan" not in stable and "largest difference between the two rows: 0.0" in stable


def test_02_overflow_thresholds_in_the_prose_are_measured(nb02):
    text = nb02.out("overflow-threshold")
    assert (
        "float64: exp(z) = inf for z > 709.78" in text
        and "float32: exp(z) = inf for z > 88.72" in text
    )
    assert "above 88.72" in nb02.markdown and "709.78" in nb02.markdown


def test_02_log_softmax_gives_1000_where_log_of_softmax_gives_inf(nb02):
    text = nb02.out("ce-log-softmax")
    assert "-log(softmax(Z))[label] = inf" in text and "-(log-softmax)[label]   = 1000.0" in text
    assert "a perfectly ordinary 1000" in nb02.markdown


def test_02_a_uniform_guess_costs_log_c(nb02):
    text = nb02.out("ce-log-c")
    assert (
        "C =  2: loss of all-zero logits = 0.6931" in text
        and "C = 10: loss of all-zero logits = 2.3026" in text
    )
    assert "about 0.69\nfor 2 classes, 2.30 for 10" in nb02.markdown
    untrained, log3 = (float(v) for v in re.findall(r"= (\d\.\d{4})", text.splitlines()[-1]))
    assert abs(untrained - log3) < 0.05


def test_02_curve_numbers_match_the_prose(nb02):
    text = nb02.out("loss-curve-numbers")
    assert "p = 0.01:  cross-entropy  4.605   squared error 0.980" in text
    assert (
        "margin -10.0:  cross-entropy 10.00005" in text
        and "margin +10.0:  cross-entropy 0.00005" in text
    )
    assert "cross-entropy charges 4.6 where the squared error charges less than 1" in nb02.markdown
    assert "slope against the margin, from -8 to 8: between -1.000 and -0.000" in text
    assert "The slope against the margin stays\nbetween $-1$ and $0$" in nb02.markdown
    assert nb02.images("loss-curves") == 1


# ---------------------------------------------------------------- 03 chain rule


def test_03_backward_pass_matches_the_library_graph(nb03):
    from bplearn.plots import neuron_values

    # the worked example is the tanh neuron; the exercise is sigmoid
    v = neuron_values(activation="tanh")
    text = nb03.out("backward-code")
    dp1 = v["p1"]["grad"]
    assert f"dL/dw1 = {dp1:+.4f} × x1 = {dp1:+.4f} × +1.5 = {v['w1']['grad']:+.6f}" in text
    # "tiny compared with the gradient, about ..."
    assert f"about ${v['w1']['grad']:.3f}$" in nb03.markdown
    assert "< 1e-12): True" in nb03.out("graph-agrees")
    assert nb03.images("graph-forward") == 1 and nb03.images("graph-backward") == 1


def test_03_slider_steps_match_the_prose(nb03):
    assert "steps 1 to 5 fill in the values" in nb03.markdown
    assert "steps 6 to 15 fill in the gradients" in nb03.markdown
    assert "max=15" in nb03.out("graph-steps") and "value=8" in nb03.out("graph-steps")


def test_03_fan_out_gradients_add_up_to_seven(nb03):
    assert "Sum: $7$" in nb03.markdown
    assert numbers(nb03.out("fan-out")) == [7.0, 7.0]


def test_03_centred_differences_are_best_near_h_1e_5_and_beat_forward_ones(nb03):
    text = nb03.out("h-sweep-numbers")
    (f_best, f_h, f_at), (c_best, c_h, c_at) = [_sweep(line) for line in text.strip().splitlines()]
    assert c_best < f_best and c_at < f_at
    # "a comfortable range of good h around 1e-5"
    assert 1e-7 <= c_h <= 1e-4
    # "tiny compared with the gradient, about -0.011"
    assert c_at < 1e-6 * 0.011
    assert "below about $h = 10^{-6}$" in nb03.markdown and c_h >= 0.9e-6


def _sweep(line):
    best, h_best = re.search(r"smallest error (\S+) at h = (\S+);", line).groups()
    at = re.search(r"the error is (\S+)$", line).group(1)
    return float(best), float(h_best), float(at)


def test_03_the_referee_accepts_backprop_and_rejects_the_slips(nb03):
    assert numbers(nb03.out("referee").split("relative error:")[1])[0] < 1e-7
    slips = dict(
        line.split(" relative error ") for line in nb03.out("referee-slips").strip().splitlines()
    )
    assert float(slips["slip_no_two       "]) == pytest.approx(1 / 3, rel=1e-2)
    assert float(slips["slip_wrong_tensor "]) > 1e-2
    assert "exactly $1/3$" in nb03.markdown


def test_03_nudging_costs_two_evaluations_per_parameter(nb03):
    assert "6 parameters -> 12 evaluations" in nb03.out("count-evaluations")
