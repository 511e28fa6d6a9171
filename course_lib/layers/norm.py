r"""Batch normalisation, :class:`BatchNorm1d`.

Training mode normalises with the batch mean and (biased) variance and updates the running
statistics as ``torch.nn.BatchNorm1d`` does; evaluation mode uses the running statistics.
The backward pass accounts for the dependence of the batch statistics on every sample.

Examples
--------
>>> bn = BatchNorm1d(2)
>>> np.round(bn.forward(np.array([[1.0, 2.0], [3.0, 6.0]])), 4)
array([[-1., -1.],
       [ 1.,  1.]])
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from course_lib.layers.core import Layer
from course_lib.validation import check_shape, integer, real, shape_error

__all__ = ["BatchNorm1d"]


class BatchNorm1d(Layer):
    r"""Batch normalisation over the batch axis (Ioffe & Szegedy, 2015).

    .. math::

        \hat x = \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}},\qquad y = \gamma \hat x + \beta,

        \mu_\text{run} \leftarrow (1-m)\,\mu_\text{run} + m\,\mu_B,\qquad
        \sigma^2_\text{run} \leftarrow (1-m)\,\sigma^2_\text{run} + m\,\tfrac{N}{N-1}\sigma_B^2,

    with the batch mean :math:`\mu_B` and biased batch variance :math:`\sigma_B^2` in
    training mode (the running variance gets the unbiased one, as in PyTorch), and
    :math:`\mu_\text{run}, \sigma^2_\text{run}` in evaluation mode, which changes nothing.
    Training-mode backward, with :math:`d\hat x = \gamma\, d_\text{out}`:

    .. math::

        dx = \frac{1}{N\sqrt{\sigma_B^2+\epsilon}}
        \Big(N\, d\hat x - \textstyle\sum_n d\hat x - \hat x \sum_n d\hat x\, \hat x\Big).

    Parameters
    ----------
    num_features : int
        Number of features C.
    eps : float, default 1e-5
        Added to the variance, > 0.
    momentum : float, default 0.1
        Weight m of the new batch in the running statistics, in [0, 1].

    Attributes
    ----------
    params : dict
        ``gamma`` (ones) and ``beta`` (zeros), shape (C,); PyTorch's ``weight`` and ``bias``.
    running_mean, running_var : numpy.ndarray
        Shape (C,), start at 0 and 1. Not parameters: they get no gradient.

    Shape
    -----
    x (N, C) -> y (N, C); training mode needs N > 1.

    Examples
    --------
    >>> bn = BatchNorm1d(2)
    >>> _ = bn.forward(np.array([[1.0, 2.0], [3.0, 6.0]]))
    >>> bn.running_mean, bn.running_var
    (array([0.2, 0.4]), array([1.1, 1.7]))
    >>> bn.backward(np.array([[1.0, 0.0], [0.0, 0.0]])).shape
    (2, 2)
    """

    _label_args = ("num_features",)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        where = "BatchNorm1d()"
        self.num_features = integer(num_features, "num_features", where=where, minimum=1)
        self.eps = real(eps, "eps", where=where, low=0.0, low_open=True)
        self.momentum = real(momentum, "momentum", where=where, low=0.0, high=1.0)
        self.params["gamma"] = np.ones(self.num_features)
        self.params["beta"] = np.zeros(self.num_features)
        self.running_mean = np.zeros(self.num_features)
        self.running_var = np.ones(self.num_features)

    def forward(self, x: ArrayLike) -> np.ndarray:
        x = check_shape(self._input(x), (None, self.num_features), "x", where=self._where)
        gamma, beta = self._param("gamma", x.dtype), self._param("beta", x.dtype)
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise shape_error(
                    x.shape,
                    f"(N, {self.num_features}) with N > 1 in training mode (a variance needs "
                    "two samples)",
                    "x",
                    where=self._where,
                )
            mean = x.mean(axis=0)
            centred = x - mean
            var = np.mean(centred * centred, axis=0)
            m = self.momentum
            self.running_mean = (1.0 - m) * self.running_mean + m * mean
            self.running_var = (1.0 - m) * self.running_var + m * var * (n / (n - 1.0))
        else:
            mean = self.running_mean.astype(x.dtype, copy=False)
            var = self.running_var.astype(x.dtype, copy=False)
            centred = x - mean
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = centred * inv_std
        self._cache = (x_hat, inv_std, self.training, x.dtype)
        return gamma * x_hat + beta

    def backward(self, dout: ArrayLike) -> np.ndarray:
        x_hat, inv_std, training, dtype = self._require_cache()
        dout = self._dout(dout, x_hat.shape)
        gamma = self._param("gamma", dtype)
        self._set_grad("gamma", np.sum(dout * x_hat, axis=0))
        self._set_grad("beta", np.sum(dout, axis=0))
        dx_hat = dout * gamma
        if not training:
            return (dx_hat * inv_std).astype(dtype, copy=False)
        n = x_hat.shape[0]
        dx = (inv_std / n) * (
            n * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0)
        )
        return dx.astype(dtype, copy=False)

    def __repr__(self) -> str:
        return f"BatchNorm1d({self.num_features}, eps={self.eps}, momentum={self.momentum})"
