"""Layers for sequences: token embeddings and causal self-attention, backward beside forward.

Notation (a sequence adds the axis T, the positions; the rest is the table of layers.py):
    ids (N, T)      integer token ids, N sequences of T positions
    X   (N, T, D)   one vector of D numbers per position;  Linear and LayerNorm treat each position
                    as a row, so X (N, T, D) goes through them as N*T rows
    E   (V, D)      the embedding table, one row per token of a vocabulary of V
    Q, K, V (..., T, d)  queries, keys and values of one head of width d (leading axes N, heads)
"""

import numpy as np

from . import init as initializers
from .layers import Layer, Parameter, linear_backward, linear_forward
from .losses import softmax
from .validate import check_int, describe


def embedding_forward(ids, E):
    """X = E[ids]: the row of E for each token.   ids (N, T) in 0..V-1, E (V, D) -> X (N, T, D)."""
    return E[ids]


def embedding_backward(dX, ids, n_tokens):
    """Chain rule through X = E[ids].   dX (N, T, D) -> dE (V, D).

    dE[v] = sum of dX[n, t] over every position with ids[n, t] == v: a token used twice gets both
    gradients added.  np.add.at adds at repeated indices; dE[ids] += dX would keep only one of them.
    """
    dE = np.zeros((n_tokens, dX.shape[-1]), dtype=dX.dtype)
    np.add.at(dE, ids, dX)
    return dE


def attention_forward(Q, K, V):
    """Causal attention.   Q, K, V (..., T, d) -> A (..., T, d) and the weights P (..., T, T).

    S = Q @ K^T / sqrt(d)   S[t, s]: how well the query at t matches the key at s
    S[t, s] = -inf, s > t   the causal mask: no position sees the future
    P = softmax(S)          over s, so each row of P sums to 1 (and P[t, s] = 0 for s > t)
    A = P @ V               each position's weighted mean of the values at and before it
    """
    T, d = Q.shape[-2:]
    S = Q @ np.swapaxes(K, -1, -2) / np.sqrt(d)
    P = softmax(np.where(np.tri(T, dtype=bool), S, -np.inf))
    return P @ V, P


def attention_backward(dA, Q, K, V, P):
    """Chain rule through attention_forward (P: its weights).   dA (..., T, d) -> dQ, dK, dV.

    dV = P^T @ dA                      the value at s was used by every query that looked at it
    dP = dA @ V^T
    dS = P * (dP - sum_s(dP * P))      the softmax's Jacobian, row by row (0 where P = 0, masked)
    dQ = dS @ K / sqrt(d)              S = Q @ K^T / sqrt(d), a product like Z = X @ W
    dK = dS^T @ Q / sqrt(d)
    """
    d = Q.shape[-1]
    dP = dA @ np.swapaxes(V, -1, -2)
    dS = P * (dP - (dP * P).sum(axis=-1, keepdims=True))
    return (
        dS @ K / np.sqrt(d),
        np.swapaxes(dS, -1, -2) @ Q / np.sqrt(d),
        np.swapaxes(P, -1, -2) @ dA,
    )


class Embedding(Layer):
    """X = E[ids] (+ E_pos[:T], a learnt vector per position, when ``max_len`` is given).

    ids (N, T) integer token ids in 0..n_tokens-1 -> X (N, T, dim).  E ~ N(0, 1), E_pos ~ N(0, .01).
    """

    takes_ids = True

    def __init__(self, n_tokens, dim, max_len=None, seed=None, rng=None, dtype=np.float64):
        self.n_tokens = check_int(n_tokens, "Embedding: n_tokens")
        self.n_out = check_int(dim, "Embedding: dim")
        self.max_len = None if max_len is None else check_int(max_len, "Embedding: max_len")
        rng = rng if rng is not None else np.random.default_rng(seed)
        self.E = Parameter(rng.standard_normal((self.n_tokens, self.n_out)).astype(dtype), "E")
        if self.max_len is not None:
            E_pos = 0.1 * rng.standard_normal((self.max_len, self.n_out))
            self.E_pos = Parameter(E_pos.astype(dtype), "E_pos")

    @property
    def name(self):
        return f"Embedding({self.n_tokens}→{self.n_out})"

    def forward(self, ids):
        ids = np.asarray(ids)
        if ids.dtype.kind not in "iu" or ids.ndim != 2:
            raise TypeError(
                f"{self.name} expects ids, integer token ids of shape (N, T), got {describe(ids)}"
            )
        if ids.size and (ids.min() < 0 or ids.max() >= self.n_tokens):
            raise ValueError(
                f"{self.name}: ids must be in 0..{self.n_tokens - 1}, got values from {ids.min()}"
                f" to {ids.max()}"
            )
        if self.max_len is not None and ids.shape[1] > self.max_len:
            raise ValueError(f"{self.name}: ids has T = {ids.shape[1]} > max_len = {self.max_len}")
        self.ids, self.out_shape = ids, ids.shape + (self.n_out,)
        X = embedding_forward(ids, self.E.value)
        return X if self.max_len is None else X + self.E_pos.value[: ids.shape[1]]

    def backward(self, dX, need_dX=True):
        """Adds to dE (and dE_pos: position t was used by all N sequences); ids have no gradient."""
        ids = self._cached(dX, "ids")
        self.E.grad += embedding_backward(dX, ids, self.n_tokens)
        if self.max_len is not None:
            self.E_pos.grad[: ids.shape[1]] += dX.sum(axis=0)
        return None


class CausalSelfAttention(Layer):
    """Each position attends to itself and the positions before it.  X (N, T, dim) -> Y (N, T, dim).

    Q = X W_Q + b_Q,  K = X W_K + b_K,  V = X W_V + b_V    (N, T, dim), split into n_heads heads
    A = attention_forward(Q, K, V) in each head (width d = dim / n_heads), the heads joined again
    Y = A W_O + b_O
    Each W (dim, dim) from ``init`` (see init.get) with ``rng``, else ``seed``; each b starts at 0.
    """

    def __init__(self, dim, n_heads=1, init="xavier", seed=None, rng=None, dtype=np.float64):
        self.n_in = self.n_out = check_int(dim, "CausalSelfAttention: dim")
        self.n_heads = check_int(n_heads, "CausalSelfAttention: n_heads")
        if dim % n_heads:
            raise ValueError(
                f"CausalSelfAttention: dim ({dim}) is not a multiple of n_heads ({n_heads})"
            )
        rng = rng if rng is not None else np.random.default_rng(seed)
        W = lambda: Parameter(np.asarray(initializers.get(init)(dim, dim, rng), dtype=dtype))  # noqa: E731
        self.W_Q, self.W_K, self.W_V, self.W_O = W(), W(), W(), W()
        b = lambda: Parameter(np.zeros(dim, dtype=dtype))  # noqa: E731
        self.b_Q, self.b_K, self.b_V, self.b_O = b(), b(), b(), b()

    @property
    def name(self):
        return f"CausalSelfAttention({self.n_in}, heads={self.n_heads})"

    def _heads(self, Z):
        """(N*T, dim) -> (N, n_heads, T, d), and ``_joined`` back."""
        N, T, _ = self.in_shape
        return Z.reshape(N, T, self.n_heads, -1).transpose(0, 2, 1, 3)

    def _joined(self, Z):
        return Z.transpose(0, 2, 1, 3).reshape(-1, self.n_in)

    def forward(self, X):
        if np.ndim(X) != 3:
            raise ValueError(
                f"{self.name} expects a sequence X (N, T, {self.n_in}), got"
                f" {describe(np.asarray(X))}"
            )
        X = self._input(X, self.W_Q.value.dtype)  # (N*T, dim)
        self.out_shape = self.in_shape
        projections = [(self.W_Q, self.b_Q), (self.W_K, self.b_K), (self.W_V, self.b_V)]
        self.Q, self.K, self.V = (
            self._heads(linear_forward(X, W.value, b.value)) for W, b in projections
        )
        A, self.P = attention_forward(self.Q, self.K, self.V)
        self.A = self._joined(A)
        return linear_forward(self.A, self.W_O.value, self.b_O.value).reshape(self.out_shape)

    def backward(self, dY, need_dX=True):
        X = self._cached(dY, "X")
        dA, dW_O, db_O = linear_backward(np.reshape(dY, X.shape), self.A, self.W_O.value)
        self.W_O.grad += dW_O
        self.b_O.grad += db_O
        dQKV = attention_backward(self._heads(dA), self.Q, self.K, self.V, self.P)
        dX = np.zeros_like(X)
        for (W, b), dZ in zip(
            [(self.W_Q, self.b_Q), (self.W_K, self.b_K), (self.W_V, self.b_V)], dQKV
        ):
            dX_part, dW, db = linear_backward(self._joined(dZ), X, W.value)
            W.grad += dW
            b.grad += db
            dX += dX_part
        return dX.reshape(self.in_shape)
