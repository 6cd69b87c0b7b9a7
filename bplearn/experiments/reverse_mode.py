"""Notebook 04b's measurements: what a full gradient costs by reverse mode, forward mode and finite
differences, and the memory reverse mode keeps, with and without checkpointing.

    X, y = digits_batch(N, seed)                     # N training digits, drawn by the seed
    layers = deep_layers(depth, seed)                # [(W, b)] of an MLP [64, 64 x depth, 10]
    grads = gradients_kept(layers, X, y)             # one graph of the whole network
    grads = gradients_with_checkpoints(layers, X, y, k)   # segments of k layers, recomputed
    grads, peak = peak_bytes(gradients_kept, layers, X, y)  # tracemalloc's peak during the call
    costs = gradient_costs(H, X, y, seed)            # one full gradient, four ways (counted, timed)
    measure(seed)                                    # every quantity 04b's text claims, one seed

Memory is measured, not modelled: ``peak_bytes`` is the highest amount of memory numpy and Python
held during the call (``tracemalloc``), above what was held before it, so the graph's values, every
gradient and every temporary array count.  Times are processor time (``time.process_time``): other
programs busy on the same machine do not inflate it.
"""

import gc
import time
import tracemalloc
from dataclasses import dataclass

import numpy as np

from .. import autodiff as ad
from ..data import load_digits, train_test_split
from ..gradcheck import numerical_gradient
from ..losses import cross_entropy_loss
from ..network import MLP
from .claim import Between, Claim, Count

WIDTH = 64
CKPT_DEPTH, CKPT_BATCH, CKPT_K = 16, 256, 2  # the checkpointing experiment, and the k the text uses
DEEPER = 64  # a second depth, where the best k is larger
KS = (1, 2, 3, 4, 8)
COST_H = (1, 2, 5, 12, 24)  # [64, H, 10]: P = 75 H + 10, from 85 to 1,810
RATIO_H = (24, 256, 1024, 4096)  # backward / forward from bookkeeping-bound to product-bound sizes


# ---------------------------------------------------------------- the data and the networks


def digits_batch(N, seed=0):
    """N digits drawn without replacement from notebook 04b's training set (the seed draws them):
    X (N, 64), y (N,)."""
    X, y = load_digits()
    X_trval, _, y_trval, _ = train_test_split(X, y, test_size=0.25, seed=0)
    X_train, _, y_train, _ = train_test_split(X_trval, y_trval, test_size=0.2, seed=1)
    rows = np.random.default_rng(seed).choice(len(X_train), size=N, replace=False)
    return X_train[rows], y_train[rows]


def deep_layers(depth, seed=0, width=WIDTH):
    """[(W, b)] of an MLP [64, width x depth, 10] with He-initialised weights, as arrays."""
    params = [p.value for p in MLP([64] + [width] * depth + [10], "relu", "he", seed).parameters()]
    return [(params[i], params[i + 1]) for i in range(0, len(params), 2)]


def engine_loss(params, X, y):
    """Cross-entropy of an MLP with ReLU hidden layers, by the engine: params = [W1, b1, W2, ...]
    as Nodes (a graph is recorded) or Duals (forward mode)."""
    A = X
    for i in range(0, len(params), 2):
        Z = A @ params[i] + params[i + 1]
        A = ad.relu(Z) if i + 2 < len(params) else Z
    return ad.softmax_cross_entropy(A, y)


def numpy_loss(params, X, y):
    """The same loss in plain numpy, no graph: what one forward pass costs."""
    A = X
    for i in range(0, len(params), 2):
        Z = A @ params[i] + params[i + 1]
        A = np.maximum(Z, 0) if i + 2 < len(params) else Z
    return cross_entropy_loss(A, y)


# ---------------------------------------------------------------- memory: one graph, or segments


def segment_forward(layer_nodes, A, last):
    """The graph of some consecutive layers [(W, b) as Nodes] from their input A (a Node): ReLU
    after each, except after the network's very last layer (``last``)."""
    for k, (W, b) in enumerate(layer_nodes):
        Z = A @ W + b
        A = Z if (last and k == len(layer_nodes) - 1) else ad.relu(Z)
    return A


def gradients_kept(layers, X, y):
    """Every (dW, db) from one graph of the whole network, kept until its backward pass ends."""
    leaves = [(ad.Node(W), ad.Node(b)) for W, b in layers]
    L = ad.softmax_cross_entropy(segment_forward(leaves, ad.Node(X), last=True), y)
    ad.backward(L)
    return [(W.grad, b.grad) for W, b in leaves]


def segment_backward(segment, A_in, upstream, y):
    """Recompute one segment's graph from its checkpoint A_in and walk it backwards from
    ``upstream`` = dL/d(its output) (None for the last segment, which ends in the loss).

    Returns ([(dW, db)] of the segment, dL/dA_in).  The segment's graph lives only inside this call.
    """
    A_in = ad.Node(A_in)
    leaves = [(ad.Node(W), ad.Node(b)) for W, b in segment]
    out = segment_forward(leaves, A_in, last=upstream is None)
    if upstream is None:
        out = ad.softmax_cross_entropy(out, y)
    ad.backward(out, upstream)
    return [(W.grad, b.grad) for W, b in leaves], A_in.grad


def gradients_with_checkpoints(layers, X, y, k):
    """Every (dW, db), keeping from the forward pass only each segment's input (a checkpoint).

    Segments of k layers; the forward pass records no graph.  The backward pass takes the segments
    from the last to the first, recomputing each one's graph from its checkpoint.
    """
    segments = [layers[i : i + k] for i in range(0, len(layers), k)]
    checkpoints, A = [], X
    for segment in segments[:-1]:  # forward without a graph: keep each segment's input only
        checkpoints.append(A)
        for W, b in segment:
            A = np.maximum(A @ W + b, 0)
    checkpoints.append(A)  # the input of the last segment
    grads, upstream = [], None
    for s in reversed(range(len(segments))):  # backward: the last segment first
        segment_grads, upstream = segment_backward(segments[s], checkpoints[s], upstream, y)
        grads = segment_grads + grads
    return grads


def peak_bytes(fn, *args):
    """(fn(*args), the peak of memory traced during the call above what was traced before it).

    ``tracemalloc`` traces every allocation of Python and numpy, so this counts what the call
    really held at its worst moment, its result included.
    """
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = fn(*args)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return result, peak


def same_gradients(grads_a, grads_b):
    """True when two lists of (dW, db) are identical to the last bit."""
    return all(
        np.array_equal(dW, dW2) and np.array_equal(db, db2)
        for (dW, db), (dW2, db2) in zip(grads_a, grads_b, strict=True)
    )


@dataclass
class CheckpointPeaks:
    """Peak memory (bytes, tracemalloc) of one full gradient of an MLP of ``depth`` hidden layers on
    a batch of N: ``whole`` with one graph, ``by_k[k]`` with segments of k layers; ``identical``:
    every k gave the whole graph's gradients to the last bit."""

    depth: int
    N: int
    whole: int
    by_k: dict
    identical: bool

    def share(self, k):
        return self.by_k[k] / self.whole

    def best_k(self):
        return min(self.by_k, key=self.by_k.get)


def arrays_per_layer(peaks):
    """How many arrays of N x WIDTH numbers a segment's graph holds per layer during its backward
    pass: c of the least-squares fit peak(k) = a x checkpoints + c x k + rest, in those arrays.
    (Segments of k layers; one checkpoint per segment but the first, whose input is the data.)"""
    layers = peaks.depth + 1
    ks = list(peaks.by_k)
    columns = [[-(-layers // k) - 1 for k in ks], ks, [1] * len(ks)]
    (a, c, rest), *_ = np.linalg.lstsq(np.array(columns, float).T, [peaks.by_k[k] for k in ks])
    return c / (peaks.N * WIDTH * 8)


def checkpoint_peaks(depth, N, ks=KS, seed=0):
    """CheckpointPeaks of the network deep_layers(depth, seed) on digits_batch(N, seed)."""
    layers, (X, y) = deep_layers(depth, seed), digits_batch(N, seed)
    grads, whole = peak_bytes(gradients_kept, layers, X, y)
    by_k, identical = {}, True
    for k in ks:
        grads_k, by_k[k] = peak_bytes(gradients_with_checkpoints, layers, X, y, k)
        identical = identical and same_gradients(grads, grads_k)
    return CheckpointPeaks(depth, N, whole, by_k, identical)


def graph_memory(depth, N, seed=0):
    """(values the whole graph keeps, counted by ad.held_bytes; peak of a full gradient, measured)
    in bytes, for deep_layers(depth, seed) on digits_batch(N, seed)."""
    layers, (X, y) = deep_layers(depth, seed), digits_batch(N, seed)
    leaves = [(ad.Node(W), ad.Node(b)) for W, b in layers]
    counted = ad.held_bytes(ad.softmax_cross_entropy(segment_forward(leaves, X, True), y))
    return counted, peak_bytes(gradients_kept, layers, X, y)[1]


# ---------------------------------------------------------------- time


def cpu_seconds(fn, min_seconds=0.02):
    """Processor time per call of fn(), over as many calls as take ``min_seconds`` (at least 1)."""
    calls, start = 0, time.process_time()
    while True:
        fn()
        calls += 1
        spent = time.process_time() - start
        if spent >= min_seconds:
            return spent / calls


def counted_and_timed(fn, calls, min_seconds=0.05):
    """(how many entries one call of fn() adds to the list ``calls``, processor seconds per call).

    One call is timed; when it is shorter than ``min_seconds``, fn is timed again over that long.
    """
    start, before = time.process_time(), len(calls)
    fn()
    spent, count = time.process_time() - start, len(calls) - before
    return count, spent if spent >= min_seconds else cpu_seconds(fn, min_seconds)


def counted(f):
    """f, and a list whose length is the number of times f has been called."""
    calls = []

    def wrapper(*args):
        calls.append(1)
        return f(*args)

    return wrapper, calls


@dataclass
class Costs:
    """One full gradient of [64, H, 10] on a batch.  P parameters; passes (counted) and processor
    seconds: plain numpy forward pass, reverse mode (engine forward + backward), forward mode (P
    passes), finite differences (2P numpy passes)."""

    H: int
    P: int
    forward_mode_passes: int
    finite_passes: int
    t_forward: float
    t_reverse: float
    t_forward_mode: float
    t_finite: float


def gradient_costs(H, X, y, seed=0):
    """Costs of every way to a full gradient for [64, H, 10] (weights from ``seed``) on (X, y)."""
    params = [W_or_b for layer in deep_layers(1, seed, width=H) for W_or_b in layer]
    dual_loss, dual_calls = counted(lambda *ps: engine_loss(ps, ad.Dual(X, np.zeros_like(X)), y))
    numpy_pass, finite_calls = counted(lambda _: numpy_loss(params, X, y))
    forward_mode = lambda: ad.forward_mode_gradient(dual_loss, params)
    finite = lambda: [numerical_gradient(numpy_pass, p) for p in params]
    forward_mode_passes, t_forward_mode = counted_and_timed(forward_mode, dual_calls)
    finite_passes, t_finite = counted_and_timed(finite, finite_calls)
    return Costs(
        H,
        sum(p.size for p in params),
        forward_mode_passes,
        finite_passes,
        t_forward=cpu_seconds(lambda: numpy_loss(params, X, y)),
        t_reverse=cpu_seconds(lambda: ad.backward(engine_loss([ad.Node(p) for p in params], X, y))),
        t_forward_mode=t_forward_mode,
        t_finite=t_finite,
    )


def backward_over_forward(H, X, y, seed=0, rounds=5):
    """Processor time of a backward pass over that of the forward pass that records its graph,
    for [64, H, 10] on (X, y).  Each is timed ``rounds`` times, in turn, and its least time kept:
    the time least disturbed by what else the machine does."""
    params = [W_or_b for layer in deep_layers(1, seed, width=H) for W_or_b in layer]
    record = lambda: engine_loss([ad.Node(p) for p in params], X, y)
    t_record, t_both = [], []
    for _ in range(rounds):
        t_record.append(cpu_seconds(record))
        t_both.append(cpu_seconds(lambda: ad.backward(record())))
    return (min(t_both) - min(t_record)) / min(t_record)


def slope(P, t):
    """The slope of log t against log P (least squares): 1 when t grows in proportion to P."""
    return float(np.polyfit(np.log(P), np.log(t), 1)[0])


def checkpoint_time_ratio(depth, N, k, seed=0, rounds=5):
    """Processor time of a gradient with checkpointing (segments of k) over one without.  Each is
    timed ``rounds`` times, in turn, and its least time kept."""
    layers, (X, y) = deep_layers(depth, seed), digits_batch(N, seed)
    t_kept, t_ckpt = [], []
    for _ in range(rounds):
        t_kept.append(cpu_seconds(lambda: gradients_kept(layers, X, y), 0.05))
        t_ckpt.append(cpu_seconds(lambda: gradients_with_checkpoints(layers, X, y, k), 0.05))
    return min(t_ckpt) / min(t_kept)


def checkpoint_work_ratio(depth, N):
    """Multiply-adds with checkpointing over without: forward + backward is three products per
    layer, and checkpointing computes every hidden layer's product once more (counted)."""
    sizes = [64] + [WIDTH] * depth + [10]
    forward = sum(N * a * b for a, b in zip(sizes[:-1], sizes[1:]))
    again = sum(N * a * b for a, b in zip(sizes[:-2], sizes[1:-1]))
    return (3 * forward + again) / (3 * forward)


# ---------------------------------------------------------------- every claim, one seed


def measure(seed):
    """Every quantity notebook 04b's text states, for one seed (weights and batch drawn by it)."""
    X, y = digits_batch(32, seed)
    costs = [gradient_costs(H, X, y, seed) for H in COST_H]
    largest = costs[-1]
    P = [c.P for c in costs]
    ratios = [backward_over_forward(H, X, y, seed) for H in RATIO_H]
    held_depth32, peak_depth32 = graph_memory(32, 32, seed)
    peaks = checkpoint_peaks(CKPT_DEPTH, CKPT_BATCH, KS, seed)
    deeper = checkpoint_peaks(DEEPER, CKPT_BATCH, KS, seed)
    return {
        "P_max": largest.P,
        "forward_mode_passes_are_P": all(c.forward_mode_passes == c.P for c in costs),
        "finite_passes_are_2P": all(c.finite_passes == 2 * c.P for c in costs),
        "forward_mode_over_reverse": largest.t_forward_mode / largest.t_reverse,
        "finite_over_reverse": largest.t_finite / largest.t_reverse,
        "slope_forward_mode": slope(P, [c.t_forward_mode for c in costs]),
        "slope_reverse": slope(P, [c.t_reverse for c in costs]),
        "backward_over_forward_min": min(ratios),
        "backward_over_forward_max": max(ratios),
        "held_depth32_MB": held_depth32 / 1e6,
        "peak_depth32_MB": peak_depth32 / 1e6,
        "peak_batch512_MB": graph_memory(4, 512, seed)[1] / 1e6,
        "params_depth4_MB": sum(W.nbytes + b.nbytes for W, b in deep_layers(4, seed)) / 1e6,
        "kept_MB": peaks.whole / 1e6,
        "ckpt_MB": peaks.by_k[CKPT_K] / 1e6,
        "ckpt_pct": 100 * peaks.share(CKPT_K),
        "ckpt_best_k": peaks.best_k(),
        "deeper_best_k": deeper.best_k(),
        "arrays_per_layer": arrays_per_layer(peaks),
        "ckpt_identical": peaks.identical and deeper.identical,
        "ckpt_work_ratio": checkpoint_work_ratio(CKPT_DEPTH, CKPT_BATCH),
        "ckpt_time_ratio": checkpoint_time_ratio(CKPT_DEPTH, CKPT_BATCH, CKPT_K, seed),
    }


# What the text says, judged over the seeds.  Counted quantities (passes, bytes of arrays,
# multiply-adds) are the same on every seed; tracemalloc's peaks too, up to Python's own objects.
CLAIMS = [
    Claim("04b", "P_max", "At the largest size", Between(1810, 1810)),
    Claim("04b", "forward_mode_passes_are_P", "Forward mode made exactly $P$ passes", Count(1.0)),
    Claim("04b", "finite_passes_are_2P", "finite differences exactly $2P$", Count(1.0)),
    Claim("04b", "slope_forward_mode", "it **grows in proportion to $P$**", Between(0.7, 1.5)),
    Claim("04b", "slope_reverse", "below 0.5 in every run", Between(high=0.5)),
    Claim(
        "04b",
        "forward_mode_over_reverse",
        "more than 100 times faster than forward mode",
        Between(low=100),
    ),
    Claim("04b", "backward_over_forward_min", "between 1 and 5 times in every run", Between(1, 5)),
    Claim("04b", "backward_over_forward_max", "between 1 and 5 times in every run", Between(1, 5)),
    Claim("04b", "held_depth32_MB", "the graph's values are", Between(1.575, 1.585)),
    Claim("04b", "peak_depth32_MB", "the measured peak of one full gradient", Between(3.6, 4.0)),
    Claim("04b", "peak_batch512_MB", "At depth 4 and batch 512 the peak is", Between(5.5, 6.1)),
    Claim("04b", "params_depth4_MB", "of the network's parameters", Between(0.135, 0.145)),
    Claim("04b", "kept_MB", "cut the measured peak from", Between(10.7, 11.9)),
    Claim("04b", "ckpt_MB", "cut the measured peak from", Between(3.0, 3.4)),
    Claim("04b", "ckpt_pct", "cut the measured peak from", Between(27, 29)),
    Claim("04b", "ckpt_best_k", "the least peak is at `k` = 2", Between(2, 2)),
    Claim("04b", "deeper_best_k", "the least peak is at `k` = 3", Between(3, 3)),
    Claim("04b", "arrays_per_layer", "arrays per layer", Between(4.7, 5.3)),
    Claim("04b", "ckpt_identical", "The gradients are identical", Count(1.0)),
    Claim("04b", "ckpt_work_ratio", "adds a third to the arithmetic", Between(1.325, 1.335)),
    Claim("04b", "ckpt_time_ratio", "**less than twice the processor time**", Between(0, 2)),
]
