r"""Gated linear units: :class:`GLU`, :class:`SwiGLU`, :class:`GaussianGLU`.

Each splits the last axis of ``x`` into a value half :math:`a` (first) and a gate half
:math:`b` (second), as ``torch.nn.functional.glu`` does, and returns
:math:`a \odot g(b)`. Put a ``Linear(d, 2 * h)`` before one to gate a learnt projection.

Examples
--------
>>> GLU().forward(np.array([[2.0, 0.0]]))
array([[1.]])
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from course_lib import activations as act
from course_lib.layers.core import Layer
from course_lib.validation import real, shape_error

__all__ = ["GLU", "GaussianGLU", "SwiGLU"]


class _GatedUnit(Layer):
    """Split the last axis into a value half ``a`` and a gate half ``b``; y = a * g(b)."""

    def _gate(self, b: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _gate_grad(self, b: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = self._input(x)
        if x.ndim < 1 or x.shape[-1] % 2 or x.shape[-1] == 0:
            raise shape_error(
                x.shape, "(*, 2H) with an even, non-zero last axis", "x", where=self._where
            )
        half = x.shape[-1] // 2
        a, b = x[..., :half], x[..., half:]
        gate = self._gate(b)
        self._cache = (a, b, gate)
        return a * gate

    def backward(self, dout: ArrayLike) -> np.ndarray:
        a, b, gate = self._require_cache()
        dout = self._dout(dout, a.shape)
        da = dout * gate
        db = dout * a * self._gate_grad(b)
        return np.concatenate([da, db], axis=-1).astype(a.dtype, copy=False)


class GLU(_GatedUnit):
    r"""Gated linear unit (Dauphin et al., 2017), :math:`y = a \odot \sigma(b)`.

    .. math:: \frac{\partial y}{\partial a} = \sigma(b), \qquad
              \frac{\partial y}{\partial b} = a\, \sigma'(b).

    Shape
    -----
    x (\*, 2H) -> y (\*, H), value half first. An odd last axis raises ``ValueError``.

    Examples
    --------
    >>> GLU().forward(np.array([[2.0, 0.0]]))
    array([[1.]])
    """

    def _gate(self, b: np.ndarray) -> np.ndarray:
        return act.sigmoid(b)

    def _gate_grad(self, b: np.ndarray) -> np.ndarray:
        return act.sigmoid_grad(b)


class SwiGLU(_GatedUnit):
    r"""Swish-gated linear unit (Shazeer, 2020), :math:`y = a \odot \operatorname{swish}(b)`.

    The gate is :math:`\operatorname{swish}(b) = b\,\sigma(b)`
    (:func:`course_lib.activations.swish`) instead of :math:`\sigma(b)`.

    Shape
    -----
    x (\*, 2H) -> y (\*, H), value half first.

    Examples
    --------
    >>> np.round(SwiGLU().forward(np.array([[2.0, 1.0]])), 4)
    array([[1.4621]])
    """

    def _gate(self, b: np.ndarray) -> np.ndarray:
        return act.swish(b)

    def _gate_grad(self, b: np.ndarray) -> np.ndarray:
        return act.swish_grad(b)


class GaussianGLU(_GatedUnit):
    r"""Gaussian-gated linear unit, :math:`y = a \odot e^{-\frac12 ((b-\mu)/s)^2}`.

    The gate is open (1) for :math:`b` near :math:`\mu` and closes on both sides; its
    derivative is :math:`-\frac{b-\mu}{s^2}\,g(b)`. Stability: the standardised input is
    clipped to :math:`\pm 50`, where the gate is exactly 0 in float32 and float64, so that
    squaring it never overflows.

    Parameters
    ----------
    mean : float, default 0.0
    std : float, default 1.0
        Must be > 0. Both are fixed, not learnt.

    Shape
    -----
    x (\*, 2H) -> y (\*, H), value half first.

    Examples
    --------
    >>> GaussianGLU().forward(np.array([[3.0, 0.0]]))
    array([[3.]])
    """

    def __init__(self, mean: float = 0.0, std: float = 1.0) -> None:
        super().__init__()
        where = "GaussianGLU()"
        self.mean = real(mean, "mean", where=where)
        self.std = real(std, "std", where=where, low=0.0, low_open=True)

    def _standardised(self, b: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):  # an extreme b / std overflows to inf, then clipped
            u = (b - self.mean) / self.std
        return np.clip(u, -50.0, 50.0)

    def _gate(self, b: np.ndarray) -> np.ndarray:
        u = self._standardised(b)
        return np.exp(-0.5 * u * u)

    def _gate_grad(self, b: np.ndarray) -> np.ndarray:
        u = self._standardised(b)
        return -(u / self.std) * np.exp(-0.5 * u * u)

    def __repr__(self) -> str:
        return f"GaussianGLU(mean={self.mean}, std={self.std})"
