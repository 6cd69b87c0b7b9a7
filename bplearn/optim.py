"""Parameter updates: w_new = w - (a step against the gradient).

The update rules are pure functions of the weights, their gradient and the optimiser's state: they
return new arrays and never modify their inputs.  SGD and Adam apply them to a list of Parameters.
"""

import numpy as np

from .layers import Parameter
from .validate import check_positive, describe


def sgd_step(w, dw, lr):
    """w_new = w - lr * dw."""
    return w - lr * dw


def momentum_step(w, dw, v, lr, beta):
    """Momentum (PyTorch's convention): v_new = beta * v + dw;  w_new = w - lr * v_new;  v0 = 0."""
    v_new = beta * v + dw
    return w - lr * v_new, v_new


def adam_step(w, dw, m, v, t, lr, beta1, beta2, eps):
    """Adam (Kingma & Ba, 2015).  ``t`` counts steps from 1; m and v start at 0.

    m_new = beta1 m + (1 - beta1) dw           running mean of the gradient
    v_new = beta2 v + (1 - beta2) dw**2        running mean of its square
    m_hat = m_new / (1 - beta1**t),  v_hat = v_new / (1 - beta2**t)   bias correction (m, v from 0)
    w_new = w - lr * m_hat / (sqrt(v_hat) + eps)
    """
    m_new = beta1 * m + (1 - beta1) * dw
    v_new = beta2 * v + (1 - beta2) * dw**2
    m_hat = m_new / (1 - beta1**t)
    v_hat = v_new / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new


def global_norm(arrays):
    """sqrt of the sum of squares of every entry of every array (all gradients as one vector)."""
    return float(np.sqrt(sum(float(np.sum(a * a)) for a in arrays)))


def clip_by_global_norm(grads, max_norm):
    """Scale all gradients by max_norm / total_norm when total_norm > max_norm (same direction).

    grads: a list of arrays.  Returns (clipped_grads, total_norm_before_clipping); grads unchanged.
    """
    max_norm = check_positive(max_norm, "max_norm")
    total = global_norm(grads)
    scale = max_norm / total if total > max_norm else 1.0
    return [g * scale for g in grads], total


def clip_grad_norm(params, max_norm):
    """Clip every Parameter's ``.grad`` in place by their global norm.  Returns the norm before."""
    params = _check_params(params, "clip_grad_norm")
    clipped, total = clip_by_global_norm([p.grad for p in params], max_norm)
    for p, g in zip(params, clipped):
        p.grad = g
    return total


def _check_params(params, who):
    params = list(params)
    if not params:
        raise ValueError(f"{who}: params is empty; pass net.parameters()")
    for p in params:
        if not isinstance(p, Parameter):
            raise TypeError(
                f"{who}: params must be Parameters (from net.parameters()), got {describe(p)}"
            )
    return params


class Optimizer:
    """Updates a list of Parameters from their ``.grad``.  ``step()`` applies one update to each."""

    def __init__(self, params, lr):
        self.params = _check_params(params, type(self).__name__)
        self.lr = check_positive(lr, "lr")
        self.state = [{} for _ in self.params]
        self.t = 0

    def zero_grad(self):
        for p in self.params:
            p.zero_grad()

    def step(self):
        self.t += 1
        for p, state in zip(self.params, self.state):
            p.value = self.rule(p.value, p.grad, state)


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum (0 <= momentum < 1)."""

    def __init__(self, params, lr, momentum=0.0):
        super().__init__(params, lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)

    def rule(self, w, dw, state):
        if self.momentum == 0.0:
            return sgd_step(w, dw, self.lr)
        w_new, state["v"] = momentum_step(w, dw, state.get("v", 0.0), self.lr, self.momentum)
        return w_new


class Adam(Optimizer):
    """Adam with bias correction."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr)
        for name, beta in zip(("betas[0]", "betas[1]"), betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Adam: {name} must be in [0, 1), got {beta!r}")
        self.betas = tuple(float(b) for b in betas)
        self.eps = check_positive(eps, "eps")

    def rule(self, w, dw, state):
        w_new, state["m"], state["v"] = adam_step(
            w, dw, state.get("m", 0.0), state.get("v", 0.0), self.t, self.lr, *self.betas, self.eps
        )
        return w_new
