"""Independent references for every registered activation, used by the tests only.

* :func:`exact_table` / :func:`exact`: each function and its derivative written straight
  from its definition in mpmath (60 significant digits in :func:`exact`), where
  cancellation and overflow do not matter. These are the ground truth for accuracy tests,
  tails included. The derivative conventions at kinks are PyTorch's, as the library promises.
* :func:`torch_reference`: the same functions as PyTorch computes them
  (``torch.nn.functional`` where PyTorch has the function, a torch expression otherwise),
  differentiated by autograd.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np

_DIGITS = 60  # working precision of every exact evaluation (set locally, never globally)

with mp.workdps(_DIGITS):
    _SELU_ALPHA = mp.mpf("1.6732632423543772848170429916717")
    _SELU_SCALE = mp.mpf("1.0507009873554804934193349852946")


def _sig(x):
    return 1 / (1 + mp.exp(-x))


def _gelu_tanh_u(x):
    c = mp.sqrt(2 / mp.pi)
    return c * (x + mp.mpf(0.044715) * x**3), c * (1 + 3 * mp.mpf(0.044715) * x**2)


def _mish_parts(x):
    sp = mp.log1p(mp.exp(x))
    return mp.tanh(sp), mp.sech(sp) ** 2


def exact_table(p):
    """name -> (f, f') as mpmath functions of one mpf, for parameters ``p`` (a dict).

    They compute at the caller's precision: wrap calls in ``mp.workdps(...)``.
    """
    s = p.get("negative_slope", 0.01)
    w = p.get("weight", 0.25)
    alpha = p.get("alpha", 1.0)
    lo, hi = p.get("min_val", -1.0), p.get("max_val", 1.0)
    beta = p.get("beta", 1.0)
    thr = p.get("threshold", 20.0)
    a_snake = p.get("a", 1.0)
    a_tanh, b_tanh = p.get("a", 1.7159), p.get("b", 2.0 / 3.0)
    return {
        "relu": (lambda x: max(x, 0), lambda x: 1 if x > 0 else 0),
        "leaky_relu": (lambda x: x if x > 0 else s * x, lambda x: 1 if x > 0 else s),
        "prelu": (lambda x: x if x > 0 else w * x, lambda x: 1 if x > 0 else w),
        "elu": (
            lambda x: x if x > 0 else alpha * mp.expm1(x),
            lambda x: 1 if x > 0 else alpha * mp.exp(x),
        ),
        "selu": (
            lambda x: _SELU_SCALE * (x if x > 0 else _SELU_ALPHA * mp.expm1(x)),
            lambda x: _SELU_SCALE * (1 if x > 0 else _SELU_ALPHA * mp.exp(x)),
        ),
        "celu": (
            lambda x: x if x > 0 else alpha * mp.expm1(x / alpha),
            lambda x: 1 if x > 0 else mp.exp(x / alpha),
        ),
        "sigmoid": (_sig, lambda x: mp.exp(-x) / (1 + mp.exp(-x)) ** 2),
        "log_sigmoid": (lambda x: -mp.log1p(mp.exp(-x)), lambda x: 1 / (1 + mp.exp(x))),
        "tanh": (mp.tanh, lambda x: mp.sech(x) ** 2),
        "hard_tanh": (lambda x: min(max(x, lo), hi), lambda x: 1 if lo < x < hi else 0),
        "hard_sigmoid": (
            lambda x: min(max(x + 3, 0), 6) / mp.mpf(6),
            lambda x: 1 / mp.mpf(6) if -3 < x < 3 else 0,
        ),
        "hard_swish": (
            lambda x: x * min(max(x + 3, 0), 6) / mp.mpf(6),
            lambda x: 0 if x <= -3 else (x / 3 + mp.mpf(1) / 2 if x < 3 else 1),
        ),
        "softplus": (
            lambda x: x if beta * x > thr else mp.log1p(mp.exp(beta * x)) / beta,
            lambda x: 1 if beta * x > thr else _sig(beta * x),
        ),
        "softsign": (lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2),
        "swish": (
            lambda x: x * _sig(beta * x),
            lambda x: _sig(beta * x) * (1 + beta * x * _sig(-beta * x)),
        ),
        "mish": (
            lambda x: x * _mish_parts(x)[0],
            lambda x: _mish_parts(x)[0] + x * _mish_parts(x)[1] * _sig(x),
        ),
        "gelu": (lambda x: x * mp.ncdf(x), lambda x: mp.ncdf(x) + x * mp.npdf(x)),
        "gelu_tanh": (
            lambda x: x * _sig(2 * _gelu_tanh_u(x)[0]),
            lambda x: (
                _sig(2 * _gelu_tanh_u(x)[0])
                + 2
                * x
                * _gelu_tanh_u(x)[1]
                * _sig(2 * _gelu_tanh_u(x)[0])
                * _sig(-2 * _gelu_tanh_u(x)[0])
            ),
        ),
        "snake": (
            lambda x: x + mp.sin(a_snake * x) ** 2 / a_snake,
            lambda x: 1 + mp.sin(2 * a_snake * x),
        ),
        "scaled_tanh": (
            lambda x: a_tanh * mp.tanh(b_tanh * x),
            lambda x: a_tanh * b_tanh * mp.sech(b_tanh * x) ** 2,
        ),
    }


def exact(name: str, x: np.ndarray, derivative: bool = False, **params) -> np.ndarray:
    """The exact value (correctly rounded to float64) at each finite point of ``x``."""
    with mp.workdps(_DIGITS):
        mp_params = {k: mp.mpf(float(v)) for k, v in params.items()}
        fn = exact_table(mp_params)[name][1 if derivative else 0]
        flat = np.asarray(x, dtype=np.float64).ravel()
        out = np.array(
            [float(fn(mp.mpf(float(v)))) if math.isfinite(v) else math.nan for v in flat]
        )
    return out.reshape(np.shape(x))


def torch_reference(name: str, x: np.ndarray, **params) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's value and autograd derivative, computed in the dtype of ``x``."""
    import torch
    import torch.nn.functional as F

    def p(key, default):
        return params.get(key, default)

    table = {
        "relu": F.relu,
        "leaky_relu": lambda t: F.leaky_relu(t, p("negative_slope", 0.01)),
        "prelu": lambda t: F.prelu(t, torch.tensor([p("weight", 0.25)], dtype=t.dtype)),
        "elu": lambda t: F.elu(t, p("alpha", 1.0)),
        "selu": F.selu,
        "celu": lambda t: F.celu(t, p("alpha", 1.0)),
        "sigmoid": torch.sigmoid,
        "log_sigmoid": F.logsigmoid,
        "tanh": torch.tanh,
        "hard_tanh": lambda t: F.hardtanh(t, p("min_val", -1.0), p("max_val", 1.0)),
        "hard_sigmoid": F.hardsigmoid,
        "hard_swish": F.hardswish,
        "softplus": lambda t: F.softplus(t, p("beta", 1.0), p("threshold", 20.0)),
        "softsign": F.softsign,
        "swish": lambda t: (
            F.silu(t) if p("beta", 1.0) == 1.0 else t * torch.sigmoid(p("beta", 1.0) * t)
        ),
        "mish": F.mish,
        "gelu": F.gelu,
        "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
        "snake": lambda t: t + torch.sin(p("a", 1.0) * t) ** 2 / p("a", 1.0),
        "scaled_tanh": lambda t: p("a", 1.7159) * torch.tanh(p("b", 2.0 / 3.0) * t),
    }
    t = torch.tensor(np.asarray(x), requires_grad=True)
    y = table[name](t)
    y.backward(torch.ones_like(y))
    return y.detach().numpy(), t.grad.numpy()
