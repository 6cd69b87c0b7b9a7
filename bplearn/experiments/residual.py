"""Notebook 08b's measurements: deep plain and residual networks on the digits, with and without
LayerNorm, before and after training.

    data = digits()                         # standardised digits, train/test split
    net = deep_net("residual", seed, branch_scale=1 / np.sqrt(DEPTH))
    outputs = block_outputs(net, X)         # the signal after each block, X (N, 64)
    profile = gradient_profile(net, X, y)   # ||dW_l|| of the hidden layers, (DEPTH - 1,)
    error = train(net, data, seed)          # test error after EPOCHS epochs (nan: overflow)
    measure(seed)                           # every quantity 08b's text claims, for one seed
"""

from dataclasses import dataclass

import numpy as np

from ..data import load_digits, minibatches, train_test_split
from ..layers import LayerNorm, Linear, ReLU, Residual
from ..losses import CrossEntropyLoss
from ..network import MLP, Sequential
from ..optim import SGD
from ..train import accuracy, fit
from .claim import Between, Claim, Count

DEPTH, WIDTH, EPOCHS, LR = 40, 32, 5, 0.01
KINDS = ("plain", "residual", "plain+LN", "residual+LN")


@dataclass
class Digits:
    """The digits, each pixel standardised with the training images' mean and std."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def digits():
    """Digits: a 75/25 split (seed 0), standardised as in notebook 8."""
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std == 0] = 1.0
    return Digits((X_train - mean) / std, (X_test - mean) / std, y_train, y_test)


def deep_net(kind, seed=0, depth=DEPTH, branch_scale=1.0):
    """64 inputs -> Linear(64, 32), then depth - 1 blocks of width 32, then ReLU and Linear(32, 10).

    kind: "plain" (block = ReLU, Linear), "residual" (Residual(ReLU, Linear), its W multiplied by
    branch_scale), "plain+LN" (LayerNorm, ReLU, Linear), "residual+LN" (Residual(LayerNorm, ReLU,
    Linear)). Every kind gets the same He weights (same seed, same order of draws).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    rng = np.random.default_rng(seed)
    layers = [Linear(64, WIDTH, init="he", rng=rng)]
    for _ in range(depth - 1):
        linear = Linear(WIDTH, WIDTH, init="he", rng=rng)
        linear.W.value *= branch_scale
        if kind == "plain":
            layers += [ReLU(), linear]
        elif kind == "plain+LN":
            layers += [LayerNorm(WIDTH), ReLU(), linear]
        elif kind == "residual":
            layers.append(Residual(ReLU(), linear))
        else:
            layers.append(Residual(LayerNorm(WIDTH), ReLU(), linear))
    layers += [ReLU(), Linear(WIDTH, 10, init="he", rng=rng)]
    return Sequential(*layers)


def weight_matrices(net):
    """Every W of net, in order, including those inside Residual blocks (named "<i>.W" or
    "<i>.<j>.W" by net.named_parameters())."""
    return [p for name, p in net.named_parameters() if name.endswith(".W")]


def gradient_profile(net, X, y):
    """||dW|| of every hidden Linear layer for one batch X (N, 64), y (N,), no update: (depth,)."""
    net.zero_grad()
    loss = CrossEntropyLoss()
    with np.errstate(all="ignore"):
        loss.forward(net.forward(X), y)
        net.backward(loss.backward())
    return np.array([np.linalg.norm(W.grad) for W in weight_matrices(net)[:-1]])


def block_outputs(net, X):
    """The signal after each block for X (N, 64): the output of every top-level Linear layer but
    the last, or of every Residual block; a list of DEPTH arrays (N, 32)."""
    outputs = []
    last = len(net.layers) - 1

    def record(event):
        described = event.layer.describe()  # a block has parts; a Linear layer's edges are its W
        if described.parts or (described.edges and event.index < last):
            outputs.append(np.array(event.data["output"]))

    handle = net.add_hook(record, stages="forward")
    with np.errstate(all="ignore"):
        net.forward(X)
    handle.remove()
    return outputs


def alike(H):
    """The mean cosine similarity between two different rows of H (N, D): 1 = all rows alike."""
    U = H / np.linalg.norm(H, axis=1, keepdims=True)
    C = U @ U.T
    n = len(H)
    return (C.sum() - np.trace(C)) / (n * (n - 1))


def train(net, data, seed=0, lr=LR, epochs=EPOCHS):
    """Train net in place: SGD with momentum 0.9, minibatches of 64 in an order drawn from seed.
    Returns the test error, nan if the numbers overflowed."""
    loss, params = CrossEntropyLoss(), net.parameters()
    velocity = [np.zeros_like(p.value) for p in params]
    rng = np.random.default_rng(seed)
    with np.errstate(all="ignore"):
        for _ in range(epochs):
            for Xb, yb in minibatches(data.X_train, data.y_train, 64, rng=rng):
                Y_hat = net.predict(Xb)
                if not np.isfinite(Y_hat).all():
                    return np.nan
                loss.forward(Y_hat, yb)
                net.zero_grad()
                net.backward(loss.backward(), need_dX=False)
                for p, v in zip(params, velocity):
                    v *= 0.9
                    v += p.grad
                    p.value -= lr * v
        return 1.0 - accuracy(net, data.X_test, data.y_test)


def constant(value):
    """An initialisation that sets every weight to ``value``: init(n_in, n_out, rng) -> W."""

    def init(n_in, n_out, rng=None):
        return np.full((n_in, n_out), value)

    init.__name__ = f"constant({value})"
    return init


SYMMETRY_INITS = {"zeros": constant(0.0), "constant": constant(0.1), "Xavier": "xavier"}


def symmetry_run(init, data, seed=0):
    """(net, test error) of MLP([64, 32, 32, 10], tanh) started with ``init`` and trained by fit
    for 10 epochs (SGD, lr 0.1, momentum 0.9, minibatches of 64); seed: weights and order."""
    net = MLP([64, 32, 32, 10], activation="tanh", init=init, seed=seed)
    sgd = SGD(net.parameters(), lr=0.1, momentum=0.9)
    fit(
        net,
        CrossEntropyLoss(),
        sgd,
        data.X_train,
        data.y_train,
        epochs=10,
        batch_size=64,
        progress=False,
        seed=seed,
    )
    return net, 1.0 - accuracy(net, data.X_test, data.y_test)


# name in the record -> (kind, branch scale) of the networks measure() builds
NETWORKS = {
    "plain": ("plain", 1.0),
    "residual": ("residual", 1 / np.sqrt(DEPTH)),
    "full": ("residual", 1.0),
    "ln_plain": ("plain+LN", 1.0),
    "ln_residual": ("residual+LN", 1.0),
}


def measure(seed, data=None):
    """Every quantity 08b's text claims, for one seed (network weights and minibatch order).

    For each network NAME of NETWORKS: NAME_growth (std of the signal after the last block / after
    the first), NAME_alike (similarity after the last block), NAME_spread (max/min ||dW_l||, before
    training), NAME_err (test error after EPOCHS epochs); full_overflows (training gave nan);
    plain_long_err (plain, lr 0.003 for 50 epochs).
    """
    data = digits() if data is None else data
    X, y = data.X_train[:256], data.y_train[:256]
    record = {}
    for name, (kind, scale) in NETWORKS.items():
        outputs = block_outputs(deep_net(kind, seed, branch_scale=scale), X)
        profile = gradient_profile(deep_net(kind, seed, branch_scale=scale), X, y)
        record[f"{name}_growth"] = outputs[-1].std() / outputs[0].std()
        record[f"{name}_alike"] = alike(outputs[-1])
        record[f"{name}_spread"] = profile.max() / profile.min()
        record[f"{name}_err"] = train(deep_net(kind, seed, branch_scale=scale), data, seed)
    record["full_overflows"] = bool(np.isnan(record["full_err"]))
    record["full_fails"] = bool(np.isnan(record["full_err"]) or record["full_err"] > 0.85)
    record["residual_trains"] = bool(record["residual_err"] < 0.2)
    record["plain_long_err"] = train(deep_net("plain", seed), data, seed, lr=0.003, epochs=50)
    for name, init in SYMMETRY_INITS.items():
        record[f"symmetry_err_{name}"] = symmetry_run(init, data, seed)[1]
    return record


def C(key, wording, judge, quotes=()):
    return Claim("08b", key, wording, judge, quotes)


CLAIMS = [
    # section 1: forty plain layers, before training and after 5 epochs
    C("plain_spread", "from 2.9 to 27 over 24 seeds", Between(2.9, 27)),
    C("plain_alike", "0.95 or more on each of 24 seeds", Between(0.95, 1)),
    C("plain_err", "above 0.65 on each of 24 seeds", Between(0.65, 1)),
    C("plain_long_err", "from 0.28 to 0.9 over 24 seeds", Between(0.28, 0.9)),
    # section 3: residual blocks
    C(
        "full_growth",
        "from 2e+04 to 4.2e+06 over 24 seeds",
        Between(2e4, 4.2e6),
        quotes=("signal_growth_full",),
    ),
    C("full_overflows", "overflows on most seeds", Count(0.6)),
    C("full_fails", "on every seed it overflows or ends at chance", Count(1.0)),
    C(
        "residual_growth",
        "between 1.3 and 1.9 over 24 seeds",
        Between(1.3, 1.9),
        quotes=("signal_growth_scaled",),
    ),
    C("residual_alike", "0.10 to 0.39 over 24 seeds", Between(0.10, 0.39)),
    C("residual_spread", "1.1 to 1.7 over 24 seeds", Between(1.1, 1.7)),
    C("residual_trains", "below 0.2 on most seeds", Count(0.6)),
    C("residual_err", "at most 0.5 on every one of 24 seeds", Between(0, 0.5)),
    # section 4: LayerNorm
    C("ln_plain_alike", "0.95 or more over 24 seeds", Between(0.95, 1)),
    C("ln_plain_err", "above 0.8 on each of 24 seeds", Between(0.8, 1)),
    C("ln_residual_growth", "4.3 to 6.2 over 24 seeds", Between(4.3, 6.2)),
    C("ln_residual_spread", "1.8 to 6.1 over 24 seeds", Between(1.8, 6.1)),
    C("ln_residual_err", "below 0.15 on each of 24 seeds", Between(0, 0.15)),
    # section 5: symmetry (MLP of 2 tanh layers, 10 epochs)
    C("symmetry_err_zeros", "0.88 to 0.92 over 24 seeds", Between(0.88, 0.92)),
    C("symmetry_err_constant", "above 0.6 on each of 24 seeds", Between(0.6, 1)),
    C("symmetry_err_Xavier", "below 0.1 on each of 24 seeds", Between(0, 0.1)),
]
