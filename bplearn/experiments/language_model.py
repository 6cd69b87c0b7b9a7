"""Notebook 11's measurements: a character-level language model on the names against a counted
bigram model.

    X, Y = windows(names, vocab, T)           # the name stream in windows, and the next characters
    data = names()                            # windows of T characters of the names, train and val
    log_probs = bigram_log_probs(X, Y, n_tokens)  # counted baseline: log P(next | current)
    net = language_model(n_tokens, seed)      # embedding, attention block, MLP block, head
    history = train(net, data, seed)          # Adam on minibatches drawn from seed: losses per step
    mean_loss(net, X, Y)                      # cross-entropy per character over every position
    measure(seed)                             # every quantity notebook 11's text claims, one seed

The notebook calls these functions, so the numbers a learner sees and the numbers the claims sweep
checks come from one piece of code.
"""

from dataclasses import dataclass

import numpy as np

from ..data import load_names
from ..layers import LayerNorm, Linear, ReLU, Residual
from ..losses import CrossEntropyLoss
from ..network import Sequential
from ..optim import Adam
from ..sequence import CausalSelfAttention, Embedding
from ..text import Vocabulary
from .claim import Between, Claim, Count

T, D, HIDDEN = 16, 32, 128  # window length, model width, the MLP's hidden width
STEPS, BATCH, LR = 600, 32, 3e-3


@dataclass
class Names:
    """Windows of T characters of the name stream (X) and the characters that follow them (Y)."""

    vocab: Vocabulary
    X_train: np.ndarray
    Y_train: np.ndarray
    X_val: np.ndarray
    Y_val: np.ndarray


def windows(names, vocab, T=T):
    """X, Y (M, T) int64 from the stream ".name1.name2...name_k.": X the M = (length - 1) // T
    windows of T characters (one starting every T characters), Y the same shifted by one, so that
    Y[m, t] is the character that follows X[m, t]."""
    stream = vocab.encode("." + ".".join(names) + ".")
    M = (len(stream) - 1) // T
    return stream[: M * T].reshape(M, T), stream[1 : M * T + 1].reshape(M, T)


def names(seed=0, T=T):
    """The names, split into train and val with ``seed``, cut into windows of T characters."""
    train_names, val_names = load_names(seed=seed)
    vocab = Vocabulary(train_names + val_names)
    X_train, Y_train = windows(train_names, vocab, T)
    X_val, Y_val = windows(val_names, vocab, T)
    return Names(vocab, X_train, Y_train, X_val, Y_val)


def bigram_log_probs(X, Y, n_tokens, add=1.0):
    """log P(next = j | current = i) (n_tokens, n_tokens), counted from the pairs (X[n, t], Y[n, t])
    with ``add`` added to every count (so that no pair has probability 0)."""
    pairs = X.ravel() * n_tokens + Y.ravel()  # pair (i, j) as one number, i * n_tokens + j
    counts = np.bincount(pairs, minlength=n_tokens * n_tokens).reshape(n_tokens, n_tokens) + add
    return np.log(counts / counts.sum(axis=1, keepdims=True))


def language_model(n_tokens, seed=0, dim=D, hidden=HIDDEN, T_max=T, n_heads=1):
    """ids (N, T) -> logits (N, T, n_tokens): embedding with positions, one pre-norm attention
    block, one pre-norm MLP block, LayerNorm and a linear head (a one-block transformer, as in
    GPT-2, with ReLU for its GELU)."""
    rng = np.random.default_rng(seed)
    return Sequential(
        Embedding(n_tokens, dim, max_len=T_max, rng=rng),
        Residual(LayerNorm(dim), CausalSelfAttention(dim, n_heads=n_heads, rng=rng)),
        Residual(
            LayerNorm(dim),
            Linear(dim, hidden, init="he", rng=rng),
            ReLU(),
            Linear(hidden, dim, rng=rng),
        ),
        LayerNorm(dim),
        Linear(dim, n_tokens, rng=rng),
    )


def mean_loss(net, X, Y):
    """The cross-entropy per character, averaged over every position of the windows X, Y (M, T)."""
    return CrossEntropyLoss().forward(net.predict(X), Y)


def train(net, data, seed=0, steps=STEPS, batch=BATCH, lr=LR):
    """Adam on minibatches of ``batch`` training windows drawn with ``seed``; the loss of each
    step."""
    loss, rng = CrossEntropyLoss(), np.random.default_rng(seed)
    optimizer = Adam(net.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        rows = rng.integers(0, len(data.X_train), size=batch)
        losses.append(loss.forward(net.forward(data.X_train[rows]), data.Y_train[rows]))
        net.zero_grad()
        net.backward(loss.backward())
        optimizer.step()
    return np.array(losses)


def measure(seed):
    """The model's and the bigram's validation loss for one seed (split, weights, minibatches)."""
    data = names(seed)
    n_tokens = len(data.vocab)
    bigram = bigram_log_probs(data.X_train, data.Y_train, n_tokens)
    net = language_model(n_tokens, seed)
    train(net, data, seed)
    model_val = mean_loss(net, data.X_val, data.Y_val)
    bigram_val = float(-bigram[data.X_val, data.Y_val].mean())
    return {
        "model_val": model_val,
        "bigram_val": bigram_val,
        "margin": bigram_val - model_val,
        "beats_bigram": model_val < bigram_val,
    }


CLAIMS = [
    Claim("11", "beats_bigram", "below the bigram's on every seed", Count(at_least=1.0)),
    Claim(
        "11",
        "margin",
        "by 0.14 to 0.20 nats per character on each of seeds 0 to 11",
        Between(0.14, 0.205),
    ),
]
