"""Independent references for every registered activation, used by the tests only.

Both read the activation's registry entry (:class:`course_lib.activations.ActivationSpec`),
so adding an activation adds its references here without a table to extend:

* :func:`exact_table` / :func:`exact`: each function and its derivative as the entry's
  ``exact`` mpmath expressions, written straight from the definition and evaluated at 60
  significant digits (in :func:`exact`), where cancellation and overflow do not matter.
  These are the ground truth for accuracy tests, tails included. The derivative
  conventions at kinks are PyTorch's, as the library promises.
* :func:`torch_reference`: the same functions as PyTorch computes them (the entry's
  ``torch`` expression: ``torch.nn.functional`` where PyTorch has the function, a torch
  expression otherwise), differentiated by autograd.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np

import course_lib.activations as act

_DIGITS = 60  # working precision of every exact evaluation (set locally, never globally)


def exact_pair(name: str, params: dict | None = None):
    """(f, f') of one activation as mpmath functions of one mpf, for ``params``.

    Parameters not given take the registry's defaults. They compute at the caller's
    precision: wrap calls in ``mp.workdps(...)``.
    """
    spec = act.get(name)
    given = params or {}
    values = {key: given.get(key, default) for key, default in spec.defaults.items()}
    scope = {"mp": mp, **values}
    return tuple(eval(f"lambda x: {source}", scope) for source in spec.exact)


def exact_table(p):
    """name -> (f, f') as mpmath functions of one mpf, for parameters ``p`` (a dict)."""
    return {name: exact_pair(name, p) for name in act.names()}


def exact(name: str, x: np.ndarray, derivative: bool = False, **params) -> np.ndarray:
    """The exact value (correctly rounded to float64) at each finite point of ``x``."""
    with mp.workdps(_DIGITS):
        mp_params = {k: mp.mpf(float(v)) for k, v in params.items()}
        fn = exact_pair(name, mp_params)[1 if derivative else 0]
        flat = np.asarray(x, dtype=np.float64).ravel()
        out = np.array(
            [float(fn(mp.mpf(float(v)))) if math.isfinite(v) else math.nan for v in flat]
        )
    return out.reshape(np.shape(x))


def torch_reference(name: str, x: np.ndarray, **params) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's value and autograd derivative, computed in the dtype of ``x``."""
    import torch

    from course_lib.torch_ref import functional

    t = torch.tensor(np.asarray(x), requires_grad=True)
    y = functional(name, **params)(t)
    y.backward(torch.ones_like(y))
    return y.detach().numpy(), t.grad.numpy()
