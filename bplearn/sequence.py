"""Layers for sequences: token embeddings and causal self-attention, backward beside forward.

Notation (a sequence adds the axis T, the positions; the rest is the table of layers.py):
    ids (N, T)      integer token ids, N sequences of T positions
    X   (N, T, D)   one vector of D numbers per position;  Linear and LayerNorm treat each position
                    as a row, so X (N, T, D) goes through them as N*T rows
    E   (V, D)      the embedding table, one row per token of a vocabulary of V
    Q, K, V (..., T, d)  queries, keys and values of one head of width d (leading axes N, heads)
"""

import numpy as np

from .losses import softmax


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
