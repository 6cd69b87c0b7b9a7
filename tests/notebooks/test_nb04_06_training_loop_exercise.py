"""Notebook 06's exercise, training_loop: checked against bplearn.fit.  The reference and correct
alternatives pass, the learner template is "not implemented", and each common mistake gets a message
that names it."""
import subprocess
import sys

import numpy as np
import pytest

import bplearn as bp
from bplearn.data import minibatches
from bplearn.exercises import check, get
from bplearn.exercises.nb06_training import training_loop as reference

# wrong answers here are built from bplearn's fit: see conftest.unwatched
pytestmark = pytest.mark.usefixtures("unwatched")


def run(fn):
    return check("training_loop", fn, show_result=False)


def loop(zero_grad=True, shuffle=True, rng_per_epoch=False, fixed_seed=None, update=True, drop_last=False,
         epochs_override=None, loss_after_update=False):
    """A training loop with (possibly) one of the common mistakes."""
    def training_loop(net, loss, optimizer, X, y, epochs, batch_size, seed=0):
        seed = seed if fixed_seed is None else fixed_seed
        rng = np.random.default_rng(seed)
        out = []
        for _ in range(epochs if epochs_override is None else epochs_override):
            if rng_per_epoch:
                rng = np.random.default_rng(seed)
            for Xb, yb in minibatches(X, y, batch_size, shuffle=shuffle, rng=rng):
                if drop_last and len(Xb) < batch_size:
                    continue
                if zero_grad:
                    optimizer.zero_grad()
                L = loss.forward(net.forward(Xb), yb)
                net.backward(loss.backward())
                if update:
                    optimizer.step()
                out.append(loss.forward(net.forward(Xb), yb) if loss_after_update else L)
        return out
    return training_loop


def test_training_loop_is_registered_without_importing_its_module_by_hand():
    code = "from bplearn.exercises import get; print(get('training_loop').points)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "3", done.stderr[-500:]
    assert get("training_loop").reference_function() is reference


def test_reference_passes():
    result = run(reference)
    assert result.passed and result.points == 3, result.message


def with_train_step(net, loss, optimizer, X, y, epochs, batch_size, seed=0):
    rng = np.random.default_rng(seed)
    return [bp.train_step(net, loss, optimizer, Xb, yb)
            for _ in range(epochs) for Xb, yb in minibatches(X, y, batch_size, rng=rng)]


def with_net_zero_grad_and_array(net, loss, optimizer, X, y, epochs, batch_size, seed=0):
    rng = np.random.default_rng(seed)
    losses = np.zeros(0)
    for _ in range(epochs):
        for Xb, yb in minibatches(X, y, batch_size, shuffle=True, rng=rng):
            net.zero_grad()
            losses = np.append(losses, loss(net(Xb), yb))
            net.backward(loss.backward())
            optimizer.step()
    return losses


@pytest.mark.parametrize("fn", [loop(), with_train_step, with_net_zero_grad_and_array],
                         ids=["loop", "train_step", "net-zero-grad-array"])
def test_correct_alternatives_pass(fn):
    result = run(fn)
    assert result.passed, result.message


def test_the_learner_template_is_not_implemented():
    def training_loop(net, loss, optimizer, X, y, epochs, batch_size, seed=0):
        # YOUR CODE HERE
        raise NotImplementedError()
    assert run(training_loop).diagnosis == "not_implemented"
    assert run(lambda *args: None).diagnosis == "not_implemented"


@pytest.mark.parametrize("fn, diagnosis, words", [
    (loop(zero_grad=False), "wrong_values", "zero_grad"),
    (loop(rng_per_epoch=True), "wrong_values", "same order"),
    (loop(shuffle=False), "wrong_values", "shuffle"),
    (loop(fixed_seed=0), "wrong_values", "seed argument"),
    (loop(update=False), "wrong_values", "optimizer.step()"),
    (loop(drop_last=True), "wrong_shape", "last, smaller minibatch"),
    (loop(epochs_override=1), "wrong_shape", "one epoch"),
    (loop(loss_after_update=True), "wrong_values", "before the update"),
], ids=["no-zero-grad", "same-order-every-epoch", "no-shuffle", "seed-ignored", "no-step", "drops-last-batch",
        "one-epoch", "loss-after-update"])
def test_common_mistakes_are_named(fn, diagnosis, words):
    result = run(fn)
    assert not result.passed
    assert result.diagnosis == diagnosis, result.message
    assert words in result.message, result.message


def test_epoch_losses_instead_of_step_losses_is_a_shape_problem():
    def epoch_losses(net, loss, optimizer, X, y, epochs, batch_size, seed=0):
        return bp.fit(net, loss, optimizer, X, y, epochs=epochs, batch_size=batch_size, seed=seed,
                      progress=False).epoch_loss
    result = run(epoch_losses)
    assert result.diagnosis == "wrong_shape" and "one number per epoch" in result.message


def test_an_exception_shows_the_learners_line():
    def broken(net, loss, optimizer, X, y, epochs, batch_size, seed=0):
        return net.forward(y)
    result = run(broken)
    assert result.diagnosis == "error" and "net.forward(y)" in result.message


def test_changing_the_data_in_place_is_reported():
    def shuffles_in_place(net, loss, optimizer, X, y, epochs, batch_size, seed=0):
        X[:] = X[::-1]
        return reference(net, loss, optimizer, X, y, epochs, batch_size, seed)
    assert run(shuffles_in_place).diagnosis == "mutates_input"


@pytest.mark.parametrize("fn", [reference, loop(zero_grad=False), loop(drop_last=True)],
                         ids=["reference", "no-zero-grad", "drops-last-batch"])
def test_the_verdict_is_the_same_from_evidence_on_disk(fn, tmp_path):
    """The grader judges the losses and weights collected in the submission's kernel."""
    from bplearn.exercises import evidence

    exercise = get("training_loop")
    found = exercise.collect(fn)
    evidence.dump(found, tmp_path / "training_loop")
    assert exercise.judge(evidence.load(tmp_path / "training_loop")) == exercise.judge(found)
