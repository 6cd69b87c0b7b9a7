"""Notebook 10's measurements: Glorot & Bengio (2010)'s experiments at a small scale on the digits.

    net = deep_net(Tanh, standard_init, seed)   # 4 hidden layers of 64 units
    run = train(net, data, seed, watch=True)    # plain SGD; run.error, run.snaps, run.grads
    hidden_activations(net, X)                  # A of every hidden layer
    jacobian_singular_values(net, X)            # tanh: mean singular value per layer
    measure(seed)                               # every quantity 10's text claims, for one seed

The notebook passes its own activation layer and initialisation (built on the learner's answers);
``measure`` uses the references below.
"""

from dataclasses import dataclass

import numpy as np

from ..data import minibatches
from ..init import xavier_uniform
from ..layers import Activation, Linear, Sigmoid, Tanh
from ..losses import CrossEntropyLoss
from ..network import Sequential
from ..recorder import probe
from ..train import accuracy
from .claim import Between, Claim, Mean
from .residual import digits

DEPTH, WIDTH, LR, EPOCHS, BATCH, EVERY = 4, 64, 0.3, 4, 10, 10
WATCHED = 200  # test images whose activations are watched during training
MODE_BINS = np.arange(11) / 10  # bins of width 0.1 for |A| (edges exactly 0.1, 0.2, ...)


def standard_init(n_in, n_out, rng):
    """The paper's "standard" initialisation U[-1/sqrt(n_in), 1/sqrt(n_in)]: W (n_in, n_out)."""
    a = 1.0 / np.sqrt(n_in)
    return rng.uniform(-a, a, size=(n_in, n_out))


class Softsign(Activation):
    """A = Z / (1 + |Z|), dZ = dA / (1 + |Z|)^2."""

    f = staticmethod(lambda Z: Z / (1.0 + np.abs(Z)))
    f_backward = staticmethod(lambda dA, Z: dA / (1.0 + np.abs(Z)) ** 2)


ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh, "softsign": Softsign}
INITS = {"standard": standard_init, "normalised": xavier_uniform}


def deep_net(activation, init, seed=0, depth=DEPTH, width=WIDTH):
    """64 inputs, ``depth`` hidden layers of ``width`` units, 10 logits. activation: a layer class
    (a new instance per hidden layer); init: init(n_in, n_out, rng) -> W; seed: the weights."""
    rng = np.random.default_rng(seed)
    sizes = [64] + [width] * depth + [10]
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(n_in, n_out, init=init, rng=rng))
        if i < depth:
            layers.append(activation())
    return Sequential(*layers)


def hidden_activations(net, X):
    """A (N, width) of every hidden layer of ``net`` for X (N, 64), first layer first."""
    found, A = [], X
    for layer in net.layers[:-1]:
        A = layer.forward(A)
        if not layer.describe().edges:  # an activation (a Linear layer's edges are its W)
            found.append(A)
    return found


@dataclass
class Run:
    """One training run. error: test error at the end; snaps (S, depth, 3): mean, std and 98th
    percentile of |A| of each hidden layer on the watched images, every EVERY steps; grads
    (S, depth): ||dW_l|| of each hidden layer at the same steps; net: the trained network."""

    error: float
    snaps: np.ndarray
    grads: np.ndarray
    net: Sequential


def train(net, data, seed, watch=False):
    """Plain SGD (LR, minibatches of BATCH in an order drawn from seed, EPOCHS epochs) on net, in
    place; with watch=True a snapshot of the hidden layers every EVERY steps. Returns a Run."""
    loss, params = CrossEntropyLoss(), net.parameters()
    rng = np.random.default_rng(seed)
    X_watch = data.X_test[:WATCHED]
    snaps, grads = [], []
    step = 0
    for _ in range(EPOCHS):
        for Xb, yb in minibatches(data.X_train, data.y_train, BATCH, rng=rng):
            if watch and step % EVERY == 0:
                snaps.append(
                    [
                        (A.mean(), A.std(), np.percentile(np.abs(A), 98))
                        for A in hidden_activations(net, X_watch)
                    ]
                )
            A = Xb  # forward
            for layer in net.layers:
                A = layer.forward(A)
            loss.forward(A, yb)
            dA = loss.backward()  # backward
            for p in params:
                p.grad[...] = 0.0
            for layer in reversed(net.layers[1:]):
                dA = layer.backward(dA)
            net.layers[0].backward(dA, need_dX=False)
            if watch and step % EVERY == 0:
                grads.append([np.linalg.norm(lin.W.grad) for lin in net.layers[:-1:2]])
            for p in params:  # update
                p.value -= LR * p.grad
            step += 1
    error = 1.0 - accuracy(net, data.X_test, data.y_test)
    return Run(error, np.array(snaps), np.array(grads), net)


def epoch_ratios(grads, n_train):
    """||dW_1|| / ||dW_top|| in each epoch, each norm averaged over that epoch's snapshots.

    grads (S, depth): a Run's grads; n_train: the number of training rows. Returns (EPOCHS,).
    """
    steps_per_epoch = -(-n_train // BATCH)
    epoch = np.arange(len(grads)) * EVERY // steps_per_epoch
    mean = np.array([grads[epoch == e].mean(axis=0) for e in range(EPOCHS)])
    return mean[:, 0] / mean[:, -1]


def abs_mode(A):
    """(low, high): the bin of width 0.1 in [0, 1] that holds the most values of |A|."""
    counts, edges = np.histogram(np.abs(A), bins=MODE_BINS)
    k = int(np.argmax(counts))
    return edges[k], edges[k + 1]


def knee_share(A):
    """The fraction of the values of |A| in [0.6, 0.8], the paper's "knees" of softsign."""
    return np.mean((np.abs(A) >= 0.6) & (np.abs(A) <= 0.8))


def layer_spreads(rec):
    """From a probe: std of A and of dZ in each hidden layer, and ||dW|| of each hidden layer."""
    acts = [rec.last_activations[i] for i in sorted(rec.last_activations)]
    grads = [rec.last_grads[i] for i in sorted(rec.last_grads)][:-1]  # without the output layer
    dW = list(rec.series("grad_norm").values())[:-1]
    return (
        np.array([a.std() for a in acts]),
        np.array([g.std() for g in grads]),
        np.array([w[-1] for w in dW]),
    )


def jacobian_singular_values(net, X):
    """Tanh networks: the mean singular value of dA_l/dA_(l-1) for hidden layers 2..depth, over
    the rows of X, and of each of their W alone: two arrays (depth - 1,)."""
    jac, weights, A = [], [], X
    for i in range(0, len(net.layers) - 1, 2):
        linear, activation = net.layers[i], net.layers[i + 1]
        A_next = activation.forward(linear.forward(A))
        if i > 0:
            slope = 1 - A_next**2  # tanh's slope, from its output
            J = slope[:, :, None] * linear.W.value.T[None]  # per example: diag(slope) W^T
            jac.append(np.linalg.svd(J, compute_uv=False).mean())
            weights.append(np.linalg.svd(linear.W.value, compute_uv=False).mean())
        A = A_next
    return np.array(jac), np.array(weights)


def measure(seed, data=None):
    """Every quantity 10's text claims, for one seed (weights and minibatch order)."""
    data = digits() if data is None else data
    n_train = len(data.X_train)
    record = {}
    runs = {}
    for act in ACTIVATIONS:
        for init in INITS:
            watch = (act, init) != ("sigmoid", "normalised")
            run = train(deep_net(ACTIVATIONS[act], INITS[init], seed), data, seed, watch=watch)
            runs[act, init] = run
            record[f"err_{act}_{init}"] = run.error
    # experiment 1, standard init
    sig = runs["sigmoid", "standard"].snaps
    one_epoch = -(-n_train // BATCH) // EVERY
    record["sigmoid_top_end"] = sig[-1, -1, 0]
    record["sigmoid_top_epoch1"] = sig[one_epoch, -1, 0]
    record["sigmoid_lower_end"] = sig[-1, :-1, 0].min()
    record["tanh_top_mean"] = np.abs(runs["tanh", "standard"].snaps[:, -1, 0]).max()
    record["tanh_p98_end"] = runs["tanh", "standard"].snaps[-1, :, 2].min()
    soft = runs["softsign", "standard"].snaps
    record["softsign_p98_end_min"], record["softsign_p98_end_max"] = (
        soft[-1, :, 2].min(),
        soft[-1, :, 2].max(),
    )
    final = hidden_activations(runs["softsign", "standard"].net, data.X_test[:WATCHED])
    modes = np.array([abs_mode(A) for A in final])  # (depth, 2): the bin of each layer
    record["softsign_mode_low"], record["softsign_mode_high"] = modes[:, 0].min(), modes[:, 1].max()
    record["softsign_knee_share"] = max(knee_share(A) for A in final)
    # experiment 2: one batch, before training
    X, y = data.X_train[:256], data.y_train[:256]
    for act in ("tanh", "softsign"):
        for init in INITS:
            a_std, g_std, w_norm = layer_spreads(
                probe(deep_net(ACTIVATIONS[act], INITS[init], seed), CrossEntropyLoss(), X, y)
            )
            record[f"{act}_{init}_act_ratio"] = a_std[-1] / a_std[0]
            record[f"{act}_{init}_grad_ratio"] = g_std[0] / g_std[-1]
            record[f"{act}_{init}_dW_ratio"] = w_norm[0] / w_norm[-1]
    for init in INITS:
        jac, weights = jacobian_singular_values(deep_net(Tanh, INITS[init], seed), X)
        record[f"jacobian_{init}"], record[f"weights_sv_{init}"] = jac.mean(), weights.mean()
    # the weight gradients during training (tanh)
    for init in INITS:
        record[f"drift_{init}"] = epoch_ratios(runs["tanh", init].grads, n_train)[-1]
    record["drift_difference"] = record["drift_standard"] - record["drift_normalised"]
    # experiment 3
    for act in ("tanh", "softsign"):
        record[f"{act}_gain"] = record[f"err_{act}_standard"] - record[f"err_{act}_normalised"]
    record["softsign_minus_tanh_gain"] = record["softsign_gain"] - record["tanh_gain"]
    return record


def C(key, wording, judge):
    return Claim("10", key, wording, judge)


MODE = "between 0.5 and 0.7 in every layer, on each of 24 seeds"
CLAIMS = [
    # experiment 1: activations during training, standard init
    C("sigmoid_top_epoch1", "0.23 to 0.28 after one epoch, over 24 seeds", Between(0.23, 0.28)),
    C("sigmoid_top_end", "0.09 to 0.11 after four epochs, over 24 seeds", Between(0.09, 0.11)),
    C("sigmoid_lower_end", "0.49 to 0.51 over 24 seeds", Between(0.49, 0.51)),
    C("tanh_top_mean", "never further than 0.05 from it, on each of 24 seeds", Between(0, 0.05)),
    C("tanh_p98_end", "0.99 or more in every layer, on each of 24 seeds", Between(0.99, 1)),
    C("softsign_p98_end_min", "between 0.65 and 0.81 over 24 seeds", Between(0.65, 0.81)),
    C("softsign_p98_end_max", "between 0.65 and 0.81 over 24 seeds", Between(0.65, 0.81)),
    C("softsign_mode_low", MODE, Between(0.5, 1)),
    C("softsign_mode_high", MODE, Between(0, 0.7)),
    C("softsign_knee_share", "less than 40% of the values of $|A|$", Between(0, 0.4)),
    # experiment 2: one batch before training (tanh)
    C("tanh_standard_act_ratio", "0.16 to 0.20 over 24 seeds", Between(0.16, 0.20)),
    C("tanh_standard_grad_ratio", "0.13 to 0.17 over 24 seeds", Between(0.13, 0.17)),
    C("tanh_normalised_act_ratio", "0.57 to 0.62", Between(0.57, 0.62)),
    C("tanh_normalised_grad_ratio", "0.45 to 0.56 over 24 seeds", Between(0.45, 0.56)),
    C("tanh_standard_dW_ratio", "0.8 to 1.4 over 24 seeds", Between(0.8, 1.4)),
    C("jacobian_standard", "0.47 to 0.49 over 24 seeds", Between(0.47, 0.49)),
    C("jacobian_normalised", "0.70 to 0.73 over 24 seeds", Between(0.70, 0.73)),
    C("weights_sv_standard", "0.48 to 0.50", Between(0.48, 0.50)),
    C("weights_sv_normalised", "0.83 to 0.86 over 24 seeds", Between(0.83, 0.86)),
    # the weight gradients during training (tanh), the fourth epoch
    C("drift_standard", "1.5 to 2.7 over 24 seeds", Between(1.5, 2.7)),
    C("drift_normalised", "1.1 to 2.9 with the normalised one", Between(1.1, 2.9)),
    C("drift_difference", "on average over the seeds, as much with either", Mean(-0.3, 0.3)),
    # experiment 3: test error after 4 epochs
    C("err_sigmoid_standard", "above 0.8 on each of 24 seeds, with either", Between(0.8, 1)),
    C("err_sigmoid_normalised", "above 0.8 on each of 24 seeds, with either", Between(0.8, 1)),
    C("err_tanh_standard", "tanh: 0.04 to 0.13", Between(0.04, 0.13)),
    C("err_tanh_normalised", "tanh N: 0.03 to 0.09", Between(0.03, 0.09)),
    C("err_softsign_standard", "softsign: 0.05 to 0.10", Between(0.05, 0.10)),
    C("err_softsign_normalised", "softsign N: 0.03 to 0.08", Between(0.03, 0.08)),
    C("tanh_gain", "lowers the mean test error over the seeds", Mean(0.0, np.inf)),
    C("tanh_gain", "from −0.04 to 0.08 depending on the seed", Between(-0.04, 0.08)),
    C("softsign_gain", "from −0.01 to 0.06 depending on the seed", Between(-0.01, 0.06)),
    C("softsign_minus_tanh_gain", "between −0.01 and +0.02", Mean(-0.01, 0.02)),
]
