r"""Optimisers that update a model's parameters in place: SGD with momentum, and Adam.

An optimiser is built on a *model*: any object with ``params`` and ``grads`` dicts
holding numpy arrays under the same keys -- a single layer of
:mod:`course_lib.layers` or a :class:`~course_lib.layers.Sequential`. Each
``step()`` reads the current gradients and updates every parameter array in
place (so the layers see the change); ``zero_grad()`` asks the model to reset its
gradients. The update formulas are PyTorch's (``torch.optim.SGD`` with
dampening 0 and ``torch.optim.Adam``), and the tests check them step by step
against PyTorch.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from course_lib.validation import describe, real

__all__ = ["Optimizer", "SGD", "Adam"]


class Optimizer:
    """Base class: holds the model and per-parameter state keyed by parameter name."""

    def __init__(self, model: Any, lr: float) -> None:
        where = f"{type(self).__name__}()"
        if not (hasattr(model, "params") and hasattr(model, "grads")):
            raise TypeError(
                f"{where}: model must have params and grads dicts (a layer or Sequential); "
                f"got {describe(model)}"
            )
        self.model = model
        self.lr = real(lr, "lr", where=where, low=0.0)
        self.state: dict[str, dict[str, Any]] = {}

    def zero_grad(self) -> None:
        """Set the model's gradients to zero (``model.zero_grad()``)."""
        self.model.zero_grad()

    def _pairs(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        params, grads = self.model.params, self.model.grads
        missing = [k for k in params if k not in grads]
        if missing:
            raise RuntimeError(
                f"{type(self).__name__}.step(): no gradient for parameter(s) {missing}; "
                "call model.backward(dout) before step()"
            )
        pairs = []
        for key, p in params.items():
            g = np.asarray(grads[key])
            if g.shape != p.shape:
                raise ValueError(
                    f"{type(self).__name__}.step(): the gradient of {key!r} must have the "
                    f"parameter's shape {p.shape}; got {g.shape}"
                )
            pairs.append((key, p, g))
        return pairs

    def step(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum and weight decay.

    With gradient :math:`g_t` (plus :math:`\lambda\,\theta` if ``weight_decay``
    :math:`=\lambda > 0`), as ``torch.optim.SGD`` (dampening 0, no Nesterov):

    .. math::

        v_1 = g_1,\qquad v_t = \mu\, v_{t-1} + g_t,\qquad
        \theta \leftarrow \theta - \eta\, v_t

    (with :math:`\mu = 0` this is plain :math:`\theta \leftarrow \theta - \eta\, g_t`).

    Parameters
    ----------
    model : object with ``params`` and ``grads``
    lr : float
        Learning rate :math:`\eta \ge 0`.
    momentum : float, default 0.0
        :math:`\mu \in [0, 1)`.
    weight_decay : float, default 0.0
        L2 penalty :math:`\lambda \ge 0` added to the gradient.

    Examples
    --------
    >>> from course_lib.layers import Linear
    >>> layer = Linear(2, 1, rng=0)
    >>> layer.params["W"][...] = 1.0
    >>> layer.grads = {"W": np.full((2, 1), 0.5), "b": np.zeros(1)}
    >>> SGD(layer, lr=0.1).step()
    >>> layer.params["W"].ravel()
    array([0.95, 0.95])
    """

    def __init__(
        self, model: Any, lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(model, lr)
        self.momentum = real(momentum, "momentum", where="SGD()", low=0.0, high=1.0,
                             high_open=True)
        self.weight_decay = real(weight_decay, "weight_decay", where="SGD()", low=0.0)

    def step(self) -> None:
        """Update every parameter once from its current gradient."""
        for key, p, g in self._pairs():
            if self.weight_decay:
                g = g + self.weight_decay * p
            if self.momentum:
                state = self.state.setdefault(key, {})
                if "velocity" not in state:
                    state["velocity"] = np.array(g, dtype=p.dtype)
                else:
                    state["velocity"] *= self.momentum
                    state["velocity"] += g
                g = state["velocity"]
            p -= (self.lr * g).astype(p.dtype, copy=False)

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum}, weight_decay={self.weight_decay})"


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015) with PyTorch's update formulas.

    For step :math:`t = 1, 2, \dots` with gradient :math:`g_t` (plus
    :math:`\lambda\,\theta` for L2 ``weight_decay``):

    .. math::

        m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t,\qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2,

        \theta \leftarrow \theta - \frac{\eta}{1-\beta_1^t}\;
        \frac{m_t}{\sqrt{v_t}\,/\sqrt{1-\beta_2^t} + \epsilon}.

    The bias corrections undo the zero initialisation of :math:`m` and :math:`v`;
    :math:`\epsilon` is added *after* the square root and its correction, as
    ``torch.optim.Adam`` does.

    Parameters
    ----------
    model : object with ``params`` and ``grads``
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
        Each in [0, 1).
    eps : float, default 1e-8
    weight_decay : float, default 0.0

    Examples
    --------
    >>> from course_lib.layers import Linear
    >>> layer = Linear(2, 1, rng=0)
    >>> layer.params["W"][...] = 1.0
    >>> layer.grads = {"W": np.full((2, 1), 123.0), "b": np.zeros(1)}
    >>> Adam(layer, lr=0.1).step()   # the first step moves each weight by about lr
    >>> np.round(layer.params["W"].ravel(), 6)
    array([0.9, 0.9])
    """

    def __init__(
        self,
        model: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(model, lr)
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise TypeError(f"Adam(): betas must be a pair of real numbers; got {describe(betas)}")
        self.betas = (
            real(betas[0], "betas[0]", where="Adam()", low=0.0, high=1.0, high_open=True),
            real(betas[1], "betas[1]", where="Adam()", low=0.0, high=1.0, high_open=True),
        )
        self.eps = real(eps, "eps", where="Adam()", low=0.0)
        self.weight_decay = real(weight_decay, "weight_decay", where="Adam()", low=0.0)

    def step(self) -> None:
        """Update every parameter once from its current gradient."""
        beta1, beta2 = self.betas
        for key, p, g in self._pairs():
            if self.weight_decay:
                g = g + self.weight_decay * p
            state = self.state.setdefault(key, {})
            if not state:
                state["step"] = 0
                state["m"] = np.zeros_like(p)
                state["v"] = np.zeros_like(p)
            state["step"] += 1
            t, m, v = state["step"], state["m"], state["v"]
            m += (1.0 - beta1) * (g - m)  # = beta1 m + (1 - beta1) g, as torch's lerp
            v *= beta2
            v += (1.0 - beta2) * g * g
            step_size = self.lr / (1.0 - beta1**t)
            denom = np.sqrt(v) / math.sqrt(1.0 - beta2**t) + self.eps
            p -= (step_size * (m / denom)).astype(p.dtype, copy=False)

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps})"
