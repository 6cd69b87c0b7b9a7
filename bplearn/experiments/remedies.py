"""Notebook 8's measurements: one deep network on the digits, trained with and without each remedy.

A remedy is judged by measurements taken the same way every time: the gradient norm of every
hidden layer before training, then a training loop (the loop of notebook 6, written out so that a
clipping function can act between ``backward`` and the update) that records the loss, the global
gradient norm and how fast each hidden layer learns, and finally the test accuracy and the
fraction of dead ReLU units. Training results differ from one machine (BLAS) to another in their
last digits, so a claim about them is measured over seeds: ``bench.repeat(...)`` in the notebook,
``measure(seed)`` and CLAIMS in the claims sweep (tools/claims.py).

    bench = digits_bench()                           # standardised digits, 10 hidden layers of 32
    r = bench.run("relu", "he", lr=0.01, seed=0)     # a BenchRun: net, profile, loss, ...
    rs = bench.repeat("relu", "he", seeds=range(5))  # the same on 5 seeds
    measure(seed)                                    # every quantity notebook 8's text claims

Uses the core only (``bplearn.MLP``, the losses, optimisers and ``clip_by_global_norm``); the
plots of these runs are in ``bplearn.plots.bench``.
"""

from dataclasses import dataclass, field

import numpy as np

from ..data import load_digits, minibatches, train_test_split
from ..init import normal
from ..losses import CrossEntropyLoss
from ..network import MLP
from ..optim import SGD, Adam, clip_by_global_norm, global_norm
from ..recorder import layer_gradient_norms, weight_matrices
from ..train import accuracy
from .claim import Between, Claim, Count

OPTIMIZERS = ("sgd", "adam")


@dataclass
class BenchRun:
    """What one training run on the bench measured.

    net: the trained network; profile: ||dW_l|| of each hidden layer before training (D,);
    loss, grad_norm: per step (grad_norm is the global norm before clipping);
    update: ||ΔW_l|| / ||W_l|| per step of each hidden layer, averaged over the steps (D,);
    acc: test accuracy, nan when the run diverged (a non-finite output stopped it).
    """

    net: MLP
    profile: np.ndarray
    loss: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    update: np.ndarray = None
    acc: float = float("nan")

    @property
    def diverged(self):
        return bool(np.isnan(self.acc))


def dead_fraction(net, X):
    """Per layer with a kink at 0 (ReLU, LeakyReLU: ``layer.kinked``), the fraction of its units
    whose input Z is <= 0 for every row of X."""
    found = []

    def record(event):
        if event.layer.kinked:  # a ReLU or LeakyReLU: its units can die
            found.append(np.mean(np.all(event.data["input"] <= 0, axis=0)))

    handle = net.add_hook(record, stages="forward")
    try:
        net.forward(X)
    finally:
        handle.remove()
    return np.array(found)


def smooth(values, k=10):
    """(steps, running mean over k steps) of a per-step series; the minibatch losses are noisy."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return np.arange(0), v
    k = max(1, min(k, v.size))
    return np.arange(k, v.size + 1), np.convolve(v, np.ones(k) / k, mode="valid")


@dataclass
class Bench:
    """A deep MLP (``depth`` hidden layers of ``width``) trained on a fixed train/test split.

    X_train (N, D_in), y_train (N,), X_test, y_test: the data; epochs and batch_size: the default
    training budget; profile_rows: how many training rows ``gradient_profile`` uses.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    depth: int = 10
    width: int = 32
    epochs: int = 10
    batch_size: int = 64
    profile_rows: int = 256

    def net(self, activation, init, seed=0):
        """D_in inputs, ``depth`` hidden layers of ``width`` units with ``activation``, one logit
        per class."""
        n_classes = int(np.max(self.y_train)) + 1
        sizes = [self.X_train.shape[1]] + [self.width] * self.depth + [n_classes]
        return MLP(sizes, activation=activation, init=init, seed=seed)

    def gradient_profile(self, net):
        """||dW_l|| of each hidden layer for the first ``profile_rows`` training rows (no update),
        (depth,)."""
        rows = slice(0, self.profile_rows)
        return layer_gradient_norms(
            net, CrossEntropyLoss(), self.X_train[rows], self.y_train[rows]
        )[:-1]

    def train(
        self,
        net,
        optimizer="sgd",
        lr=0.01,
        max_norm=None,
        clip=clip_by_global_norm,
        epochs=None,
        seed=0,
    ):
        """Train ``net`` in place with SGD + momentum 0.9 (``optimizer="sgd"``) or Adam; returns a
        BenchRun.

        max_norm: when given, ``clip(grads, max_norm) -> (clipped, total_norm)`` shortens the
        gradients between backward and the update. seed: the minibatch order. Stops at the first
        non-finite output (the run's ``acc`` stays nan).
        """
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
        params = net.parameters()
        opt = SGD(params, lr=lr, momentum=0.9) if optimizer == "sgd" else Adam(params, lr=lr)
        loss = CrossEntropyLoss()
        hidden_W = [weight_matrices(net.layers[i])[0] for i in net.linear_indices()[:-1]]
        rng = np.random.default_rng(seed)
        run = BenchRun(net=net, profile=None, update=np.zeros(len(hidden_W)))
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(self.epochs if epochs is None else epochs):
                for Xb, yb in minibatches(self.X_train, self.y_train, self.batch_size, rng=rng):
                    opt.zero_grad()
                    Z = net.forward(Xb)
                    if not np.isfinite(Z).all():
                        return run  # diverged: acc stays nan
                    run.loss.append(loss.forward(Z, yb))
                    net.backward(loss.backward())
                    grads = [p.grad for p in params]
                    if max_norm is None:
                        run.grad_norm.append(global_norm(grads))
                    else:  # clip between backward and update
                        clipped, total = clip(grads, max_norm)
                        for p, g in zip(params, clipped):
                            p.grad = g
                        run.grad_norm.append(total)
                    old = [W.value for W in hidden_W]  # the update rule returns new arrays
                    opt.step()
                    run.update += [
                        np.linalg.norm(W.value - w) / np.linalg.norm(w)
                        for W, w in zip(hidden_W, old)
                    ]
        run.update /= max(1, len(run.loss))
        run.acc = accuracy(net, self.X_test, self.y_test)
        return run

    def run(self, activation, init, seed=0, **train_kwargs):
        """Build the network (``seed``), measure its gradient profile, train it (minibatch order
        ``seed``)."""
        net = self.net(activation, init, seed=seed)
        profile = self.gradient_profile(net)
        result = self.train(net, seed=seed, **train_kwargs)
        result.profile = profile
        return result

    def repeat(self, activation, init, seeds=range(5), **train_kwargs):
        """``run`` once per seed: [BenchRun, ...], one per seed, in the order of ``seeds``."""
        return [self.run(activation, init, seed=s, **train_kwargs) for s in seeds]


def digits_bench(**kwargs):
    """The bench of notebook 8: the digits, split 75/25 (seed 0), each pixel standardised with the
    training images' mean and standard deviation (a pixel blank in every training image stays 0)."""
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return Bench((X_train - mean) / std, y_train, (X_test - mean) / std, y_test, **kwargs)


def describe(label, runs, X=None):
    """One line about ``runs`` (a list of BenchRun, one per seed): the gradient ratio ||dW_1|| /
    ||dW_D|| at the start (median), the test accuracy (median, lowest and highest of the runs that
    finished), how many diverged, and, when ``X`` is given, the median fraction of dead ReLU units
    after training."""
    ratio = np.median([r.profile[0] / r.profile[-1] for r in runs])
    done = [r for r in runs if not r.diverged]
    text = f"{label:28s} ||dW_1||/||dW_{len(runs[0].profile)}|| {ratio:8.2g}   "
    if done:
        accs = [r.acc for r in done]
        text += f"test accuracy {np.median(accs):.2f} ({min(accs):.2f} to {max(accs):.2f})"
    else:
        text += "test accuracy -"
    text += f", {len(runs) - len(done)} of {len(runs)} diverged"
    if X is not None and done:
        text += f", dead units {np.median([dead_fraction(r.net, X).mean() for r in done]):.0%}"
    return text


def measure(seed, bench=None):
    """Every quantity notebook 8's text claims, for one seed (network weights and minibatch order),
    each configuration trained as the notebook trains it (bplearn's Xavier, He and clipping).

    NAME_acc: test accuracy (0 when the run diverged, for the runs that can); *_ratio: the first
    hidden layer's ||dW|| over the last's, before training; dead_careful: the fraction of dead
    units after ReLU + He at lr 0.01; big_*: ReLU + He at lr 0.1 (ruined: diverged or accuracy
    below 0.2; dead_or_diverged: diverged or at least half the units dead); clip_*: the same with
    the gradients clipped at global norm 1 (clipped_steps: the fraction of steps it shortened);
    he_over_xavier: median over the hidden layers of ||dW_l|| with He over with Xavier (ReLU);
    sigmoid_update_ratio_OPT: layer 1's ||ΔW|| / ||W|| per step over layer 10's.
    """
    bench = digits_bench() if bench is None else bench
    X = bench.X_train
    record = {}
    sig = bench.run("sigmoid", "xavier", seed=seed)
    relu = bench.run("relu", "he", seed=seed)
    record["sigmoid_ratio"] = sig.profile[0] / sig.profile[-1]
    record["relu_ratio"] = relu.profile[0] / relu.profile[-1]
    record["sigmoid_acc"], record["relu_acc"] = sig.acc, relu.acc
    record["dead_careful"] = dead_fraction(relu.net, X).mean()
    big = bench.run("relu", "he", seed=seed, lr=0.1)
    big_dead = 1.0 if big.diverged else dead_fraction(big.net, X).mean()
    record["big_ruined"] = bool(big.diverged or big.acc < 0.2)
    record["big_acc"] = 0.0 if big.diverged else big.acc
    record["big_dead_or_diverged"] = bool(big_dead >= 0.5)
    clipped = bench.run("relu", "he", seed=seed, lr=0.1, max_norm=1.0)
    record["clip_acc"] = 0.0 if clipped.diverged else clipped.acc
    record["clip_dead"] = dead_fraction(clipped.net, X).mean()
    record["clipped_steps"] = np.mean(np.array(clipped.grad_norm) > 1.0)
    he, xavier = (
        bench.gradient_profile(bench.net("relu", init, seed)) for init in ("he", "xavier")
    )
    record["he_over_xavier"] = np.median(he / xavier)
    record["tanh_normal_acc"] = bench.run("tanh", normal(1.0), seed=seed).acc
    record["tanh_xavier_acc"] = bench.run("tanh", "xavier", seed=seed).acc
    relu_xavier = bench.run("relu", "xavier", seed=seed)
    record["relu_xavier_acc_sgd"] = relu_xavier.acc
    adam = {"optimizer": "adam", "lr": 0.003}
    record["relu_xavier_acc_adam"] = bench.run("relu", "xavier", seed=seed, **adam).acc
    sig_adam = bench.run("sigmoid", "xavier", seed=seed, **adam)
    record["sigmoid_acc_adam"] = sig_adam.acc
    for key, run in (("sgd", sig), ("adam", sig_adam)):
        record[f"sigmoid_update_ratio_{key}"] = run.update[0] / run.update[-1]
    return record


def C(key, wording, judge, quotes=()):
    return Claim("08", key, wording, judge, quotes)


CLAIMS = [
    # section 1: ReLU against the sigmoid; dead units
    C("relu_ratio", "0.25 to 2.1 over 24 seeds", Between(0.25, 2.1)),
    C("sigmoid_ratio", "1.2e-06 to 1.1e-05 over 24 seeds", Between(1.2e-6, 1.1e-5)),
    C("sigmoid_acc", "at most 0.12 on each of 24 seeds", Between(0, 0.12)),
    C("relu_acc", "0.69 to 0.94 over 24 seeds", Between(0.69, 0.94)),
    C("dead_careful", "0.009 to 0.07 over 24 seeds", Between(0.009, 0.07)),
    C("big_ruined", "most seeds ruined (21 of 24)", Count(0.75)),
    C("big_acc", "the others reaching a test accuracy of at most 0.41", Between(0, 0.41)),
    C(
        "big_dead_or_diverged",
        "on most seeds (19 of 24) the network diverges or loses at least half its units",
        Count(0.6),
        quotes=("dead_big_min",),
    ),
    # section 2: initialisation
    C("he_over_xavier", "from 5 to 250 over 24 seeds", Between(5, 250)),
    C("tanh_normal_acc", "0.17 to 0.4 over 24 seeds", Between(0.17, 0.4)),
    C("tanh_xavier_acc", "0.91 to 0.95 over 24 seeds", Between(0.91, 0.95)),
    C("relu_xavier_acc_sgd", "0.37 to 0.81 over 24 seeds", Between(0.37, 0.81)),
    # section 3: clipping at global norm 1, lr 0.1
    C("clip_acc", "at least 0.75 on each of 24 seeds", Between(0.75, 1)),
    C("clip_dead", "at most 0.06 over 24 seeds", Between(0, 0.06)),
    C("clipped_steps", "at least 0.86 on each of 24 seeds", Between(0.86, 1)),
    # section 4: Adam
    C("sigmoid_update_ratio_sgd", "9e-06 to 3.4e-05 over 24 seeds", Between(9e-6, 3.4e-5)),
    C("sigmoid_update_ratio_adam", "1.8 to 2.6 over 24 seeds", Between(1.8, 2.6)),
    C("sigmoid_acc_adam", "0.08 to 0.21 over 24 seeds", Between(0.08, 0.21)),
    C("relu_xavier_acc_adam", "0.9 to 0.95 over 24 seeds", Between(0.9, 0.95)),
]
