"""What the text of notebooks 04 to 06 claims is what their code measures.

Each source notebook runs once, top to bottom, in a fresh kernel; a cell appended at the end prints
the numbers the prose depends on as JSON, and the tests compare them with the sentences that state
them. Timings (notebook 04's last section) are checked only loosely: they vary with the machine and
its load.
"""
import json
import math
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "notebooks" / "solutions"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def run_and_read(name, tmp_path_factory, expression):
    """Execute notebook ``name`` in a temporary folder; return (notebook, the JSON that
    ``expression`` gives)."""
    work = tmp_path_factory.mktemp(name[:2])
    shutil.copy(SOURCES / name, work / name)
    nb = nbformat.read(work / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(f"import json as _json\nprint(_json.dumps({expression}, default=float))"))
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    out = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return nb, json.loads(out.strip().splitlines()[-1])


def markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


# ---------------------------------------------------------------- 04: the backward pass

NB04 = """{
  "clean_passed": report.passed,
  "buggy": {r["name"]: r["verdict"] for r in report_buggy.rows},
  "fixed_passed": report_fixed.passed,
  "trained": {k: [h.epoch_loss[0], h.epoch_loss[-1], h.train_acc[-1]] for k, h in trained.items()},
  "rows": [list(map(float, r)) for r in rows],
}"""


@pytest.fixture(scope="module")
def nb04(tmp_path_factory):
    return run_and_read("04-backward-pass.ipynb", tmp_path_factory, NB04)


def test_04_a_correct_network_passes_the_gradient_check(nb04):
    assert nb04[1]["clean_passed"] and nb04[1]["fixed_passed"]


def test_04_the_planted_bug_shows_above_and_not_below_its_layer(nb04):
    """'The parameters of layer 4 (the output layer) are right; those of layers 2 and 0 are
    wrong.'"""
    verdicts = nb04[1]["buggy"]
    assert verdicts["4.W"] == verdicts["4.b"] == "good"
    assert all(verdicts[p] == "probably wrong" for p in ("0.W", "0.b", "2.W", "2.b"))


def test_04_the_buggy_network_still_learns_but_worse(nb04):
    """'the buggy one does learn something': its loss falls, but the fixed network's falls much
    further."""
    (b0, b1, b_acc), (_, f1, f_acc) = nb04[1]["trained"]["buggy"], nb04[1]["trained"]["fixed"]
    assert b1 < b0 and f1 < b1 / 2 and f_acc > b_acc + 0.2


def test_04_finite_differences_take_exactly_2P_forward_passes(nb04):
    """'centred differences need two forward passes per parameter: 2P forward passes' (counted, not
    timed)."""
    # H, P, forward, backprop, finite differences, passes
    rows = np.array(nb04[1]["rows"])
    assert np.array_equal(rows[:, 5], 2 * rows[:, 1])


def test_04_backprop_stays_a_few_forward_passes_while_finite_differences_grow_with_P(nb04):
    """The timed trend, with margins wide enough for a busy machine: forward and backprop are each
    the best of 7 runs, so their ratio is steady; finite differences grow by orders of magnitude
    over this range of P."""
    rows = np.array(nb04[1]["rows"])
    P, t_f, t_b, t_n = rows[:, 1], rows[:, 2], rows[:, 3], rows[:, 4]
    assert np.all(t_b / t_f < 10), "backpropagation should stay a small multiple of one forward pass"
    slope = np.polyfit(np.log(P), np.log(t_n / t_f), 1)[0]
    assert slope > 0.5, f"finite differences should grow with P (log-log slope {slope:.2f})"


def test_04_check_yourself_arithmetic():
    """'2 x 10^6 x 10 ms ~ 5.6 hours ... more than five hours'."""
    hours = 2e6 * 10e-3 / 3600
    assert round(hours, 1) == 5.6


# ---------------------------------------------------------------- 05: updating the weights

NB05 = """{
  "best": int(best_direction), "against": float(against),
  "factors": [float(factors[:, 1].mean()), float(factors[:, 0].mean())],
  "lengths": lengths,
  "first_step": first_step, "uncorrected": first_step_uncorrected,
  "adam_moved": list(adam_moved.values()), "sgd_moved": list(sgd_moved.values()),
  "race": [[r.centre, r.kappa, {k: float(v[0]) for k, v in r.best.items()}] for r in results],
  "network": [[n, lr_, s if np.isfinite(s) else None, h.epoch_loss[-1]] for (n, lr_), (s, h) in
  histories.items()],
}"""


@pytest.fixture(scope="module")
def nb05(tmp_path_factory):
    return run_and_read("05-weight-update.ipynb", tmp_path_factory, NB05)


def test_05_the_best_direction_is_against_the_gradient(nb05):
    data = nb05[1]
    assert abs(data["best"] - data["against"]) <= 1.0


def test_05_measured_contraction_factors_match_the_text(nb05):
    """'shrinking by 10% each time; the gentle part shrinks by only 7% a step'."""
    steep, gentle = nb05[1]["factors"]
    assert round(steep, 2) == -0.90
    assert round(1 - gentle, 2) == 0.07
    assert "shrinks by only 7% a step" in markdown(nb05[0])


def test_05_momentum_steps_grow_to_ten_times_and_adam_first_step_is_lr(nb05):
    data = nb05[1]
    assert abs(data["lengths"][-1] - 10) < 0.05
    assert abs(data["first_step"] - 1) < 1e-6
    assert round(data["uncorrected"], 2) == 3.16 and "3.16" in markdown(nb05[0])
    moved = data["adam_moved"]
    assert max(moved) - min(moved) < 1e-4 * max(moved), "Adam's steps do not depend on the gradient's scale"
    assert data["sgd_moved"][2] / data["sgd_moved"][0] == pytest.approx(1e6)


def test_05_the_race_says_what_the_text_says(nb05):
    race = nb05[1]["race"]
    kappa = np.array([k for _, k, _ in race])
    steps = {r: np.array([b[r] for _, _, b in race]) for r in ("sgd", "momentum", "adam")}
    slope = np.polyfit(np.log(kappa), np.log(steps["sgd"]), 1)[0]
    assert 0.8 < slope < 1.2, "plain descent needs a number of steps proportional to kappa"
    assert steps["momentum"][0] > steps["sgd"][0], "momentum loses on the round bowl"
    gain = steps["sgd"] / steps["momentum"]
    assert np.all(np.diff(gain) > 0) and gain[-1] > 10, "momentum wins by more and more as the valley narrows"
    narrow = kappa > 100
    assert np.all(steps["momentum"][narrow] < steps["adam"][narrow])
    assert np.all(steps["adam"][narrow] < steps["sgd"][narrow]), "Adam beats plain descent once the valley is narrow"


def test_05_in_the_network_adam_and_momentum_beat_sgd_and_adam_gets_lowest(nb05):
    runs = nb05[1]["network"]
    fastest = {n: min((s for m, _, s, _ in runs if m == n and s is not None), default=math.inf)
               for n in ("sgd", "momentum", "adam")}
    assert fastest["adam"] < fastest["sgd"] / 2 and fastest["momentum"] < fastest["sgd"] / 2
    lowest = {n: min(loss for m, _, _, loss in runs if m == n) for n in ("sgd", "momentum", "adam")}
    assert lowest["adam"] < min(lowest["sgd"], lowest["momentum"])


def test_05_check_yourself_arithmetic():
    """'eta_max = 2/50 = 0.04 ... 0.98 ... about 350 steps to shrink it a thousandfold'."""
    assert 2 / 50 == 0.04 and round(1 - 0.04 * 0.5, 2) == 0.98
    assert 300 < math.log(1000) / -math.log(0.98) < 400


# ---------------------------------------------------------------- 06: the training loop

NB06 = """{
  "errors": [float(e) for e in errors], "batch_sizes": batch_sizes,
  "same_work": {B: h.epoch_loss[-1] for B, h in minibatch_runs.items()},
  "sorted_acc": runs[False].train_acc, "shuffled_acc": runs[True].train_acc,
  "overfit": {"val_loss": history_overfit.val_loss, "val_acc": history_overfit.val_acc,
              "train_acc": history_overfit.train_acc},
  "same_as_fit": bool(np.array_equal(mine, history_fit.step_loss)),
  "test_accuracy": float(test_accuracy), "scrambled_accuracy": float(scrambled_accuracy),
  "digits": {"train": history.epoch_loss, "val": history.val_loss},
}"""


@pytest.fixture(scope="module")
def nb06(tmp_path_factory):
    return run_and_read("06-training-loop.ipynb", tmp_path_factory, NB06)


def test_06_digits_test_accuracy_is_at_least_95_percent(nb06):
    assert nb06[1]["test_accuracy"] >= 0.95


def test_06_minibatch_gradient_error_follows_one_over_sqrt_b(nb06):
    errors, sizes = np.array(nb06[1]["errors"]), np.array(nb06[1]["batch_sizes"])
    predicted = errors[0] / np.sqrt(sizes)
    assert np.all(np.abs(errors / predicted - 1) < 0.15)
    assert errors[-1] < predicted[-1], "a little below 1/sqrt(B) at B = 256"


def test_06_sorted_data_learns_more_slowly_than_shuffled(nb06):
    sorted_acc, shuffled_acc = nb06[1]["sorted_acc"], nb06[1]["shuffled_acc"]
    assert all(shuffled_acc[e - 1] > sorted_acc[e - 1] for e in (1, 5, 10))


def test_06_overfitting_is_visible_on_the_validation_set(nb06):
    o = nb06[1]["overfit"]
    best = int(np.argmin(o["val_loss"]))
    assert best < 20, "the validation loss is lowest in the first few epochs"
    assert o["val_loss"][-1] > 2 * o["val_loss"][best]
    assert o["train_acc"][-1] == 1.0 and o["val_acc"][-1] < o["val_acc"][best]


def test_06_the_reference_loop_gives_fits_losses(nb06):
    assert nb06[1]["same_as_fit"]


def test_06_scrambled_pixels_give_practically_the_same_accuracy(nb06):
    assert abs(nb06[1]["scrambled_accuracy"] - nb06[1]["test_accuracy"]) < 0.02


def test_06_digits_validation_loss_levels_off_while_training_loss_keeps_falling(nb06):
    train, val = np.array(nb06[1]["digits"]["train"]), np.array(nb06[1]["digits"]["val"])
    half = len(train) // 2
    assert (val[half] - val[-1]) / val[half] < (train[half] - train[-1]) / train[half]
    assert train[-1] < val[-1]


def test_06_for_the_same_work_smaller_batches_get_further(nb06):
    """'With the same ten passes over the data, the small batches got much further.'"""
    same_work = {int(B): loss for B, loss in nb06[1]["same_work"].items()}
    assert same_work[32] < same_work[256] < same_work[1024]
    assert same_work[32] < 0.7 * same_work[1024]
