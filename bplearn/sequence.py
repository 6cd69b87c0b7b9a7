"""Layers for sequences of T positions: token embeddings and causal self-attention.

ids (N, T) token ids; X (N, T, D) a vector per position (Linear, LayerNorm, the activations take it:
each position is a row); E (V, D) a row per token; Q, K, V (..., T, d) queries, keys, values.
"""

import numpy as np

from .layers import Description, Layer, Linear, Parameter
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
    S = Q @ np.swapaxes(K, -1, -2) / np.sqrt(d)  # K^T: the last two axes swapped
    P = softmax(np.where(np.tri(T, dtype=bool), S, -np.inf))
    return P @ V, P


def attention_backward(dA, Q, K, V, P):
    """Chain rule through attention_forward (P: its weights).   dA (..., T, d) -> dQ, dK, dV.

    dP = dA @ V^T
    dS = P * (dP - sum_s(dP * P))      the softmax's Jacobian, row by row (0 where P = 0, masked)
    dQ = dS @ K / sqrt(d)              S = Q @ K^T / sqrt(d), a product like Z = X @ W
    dK = dS^T @ Q / sqrt(d)
    dV = P^T @ dA                      the value at s was used by every query that looked at it
    """
    d = Q.shape[-1]
    dP = dA @ np.swapaxes(V, -1, -2)
    dS = P * (dP - (dP * P).sum(axis=-1, keepdims=True))
    dQ, dK = dS @ K / np.sqrt(d), np.swapaxes(dS, -1, -2) @ Q / np.sqrt(d)
    return dQ, dK, np.swapaxes(P, -1, -2) @ dA


class Embedding(Layer):
    """X = E[ids] (+ E_pos[:T], a learnt vector per position, when ``max_len`` is given).

    ids (N, T) integer token ids in 0..n_tokens-1 -> X (N, T, dim).  E ~ N(0, 1), E_pos ~ N(0, .01).
    """

    takes_ids = True

    def __init__(self, n_tokens, dim, max_len=None, seed=None, rng=None, dtype=np.float64):
        self.n_tokens = check_int(n_tokens, "Embedding: n_tokens")
        self.n_out = check_int(dim, "Embedding: dim")
        rng = rng if rng is not None else np.random.default_rng(seed)
        self.E = Parameter(rng.standard_normal((self.n_tokens, dim)).astype(dtype), "E")
        self.max_len = max_len if max_len is None else check_int(max_len, "Embedding: max_len")
        if max_len is not None:
            self.E_pos = Parameter(0.1 * rng.standard_normal((max_len, dim)).astype(dtype), "E_pos")

    @property
    def name(self):
        return f"Embedding({self.n_tokens}→{self.n_out})"

    def describe(self):
        pos = "" if self.max_len is None else " + E_pos[:T]"
        backward = "dE[v] = sum of dX[n, t] over the positions with ids[n, t] == v (np.add.at)"
        if self.max_len is not None:
            backward += "     dE_pos[t] = sum over the batch of dX[:, t]"
        params = tuple(name for name, _ in self.named_parameters())
        return Description(f"X = E[ids]{pos}", backward, "ids", "X", params)

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

    Q = X W_Q + b_Q,  K = X W_K,  V = X W_V + b_V    (N, T, dim), split into n_heads heads
    A = attention_forward(Q, K, V) in each head (width d = dim / n_heads), the heads joined again
    Y = A W_O + b_O                                          four Linear(dim, dim) layers, ``init``
    """

    def __init__(self, dim, n_heads=1, init="xavier", seed=None, rng=None, dtype=np.float64):
        self.n_in = self.n_out = check_int(dim, "CausalSelfAttention: dim")
        self.n_heads = check_int(n_heads, "CausalSelfAttention: n_heads")
        if dim % n_heads:
            raise ValueError(
                f"CausalSelfAttention: dim {dim} is not a multiple of n_heads {n_heads}"
            )
        rng = rng if rng is not None else np.random.default_rng(seed)
        self.projections = [Linear(dim, dim, init, rng=rng, dtype=dtype) for _ in "QKVO"]

    @property
    def name(self):
        return f"CausalSelfAttention({self.n_in}, heads={self.n_heads})"

    def describe(self):
        forward = (
            "Q = X W_Q + b_Q,  K = X W_K,  V = X W_V + b_V   (each head: d of the columns)\n"
            "S = Q Kᵀ / √d,  S[t, s] = −∞ for s > t     P = softmax(S)     A = P V\n"
            "Y = A W_O + b_O"
        )
        backward = (
            "dA = dY W_Oᵀ,  dW_O = Aᵀ dY,  db_O = sum of dY     dP = dA Vᵀ,  dV = Pᵀ dA\n"
            "dS = P ∘ (dP − Σ_s dP ∘ P)     dQ = dS K / √d,  dK = dSᵀ Q / √d\n"
            "dX = dQ W_Qᵀ + dK W_Kᵀ + dV W_Vᵀ   (and dW_Q = Xᵀ dQ, db_Q = sum of dQ, ...)"
        )
        params = tuple(name for name, _ in self.named_parameters())
        return Description(forward, backward, "X", "Y", params)

    def named_parameters(self):
        """W_Q, b_Q, W_K, W_V, b_V, W_O, b_O.  No b_K: it adds q_t . b_K to all scores of row t,
        which softmax ignores, so dL/db_K = 0 and b_K stays 0 (a parameter nothing trains)."""
        layers = zip("QKVO", self.projections)
        named = [(f"{name}_{m}", p) for m, layer in layers for name, p in layer.named_parameters()]
        return [(name, p) for name, p in named if name != "b_K"]

    def _heads(self, Z):  # (N, T, dim) -> (N, n_heads, T, d): each head's columns side by side
        N, T, _ = Z.shape
        return Z.reshape(N, T, self.n_heads, -1).transpose(0, 2, 1, 3)

    def _joined(self, Z):  # (N, n_heads, T, d) -> (N, T, dim), the inverse of _heads
        return Z.transpose(0, 2, 1, 3).reshape(self.out_shape)

    def forward(self, X):
        if np.ndim(X) != 3:
            raise ValueError(
                f"{self.name} expects X (N, T, {self.n_in}), got {describe(np.asarray(X))}"
            )
        self.out_shape = np.shape(X)
        self.Q, self.K, self.V = (self._heads(layer.forward(X)) for layer in self.projections[:3])
        A, self.P = attention_forward(self.Q, self.K, self.V)
        return self.projections[3].forward(self._joined(A))

    def backward(self, dY, need_dX=True):
        """dX = dQ W_Q^T + dK W_K^T + dV W_V^T: X feeds three projections, so their dX add up."""
        self._cached(dY, "P")
        dA = self._heads(self.projections[3].backward(dY))
        dQKV = attention_backward(dA, self.Q, self.K, self.V, self.P)  # dQ, dK, dV
        return sum(layer.backward(self._joined(dZ)) for layer, dZ in zip(self.projections, dQKV))
