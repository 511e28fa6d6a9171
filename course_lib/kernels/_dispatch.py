"""The Python side of every kernel: input and parameter checks, contiguity, ``out=``.

A compiled loop ``loop(x, out, *params)`` sees flat contiguous arrays only. :func:`run`
gives it one: ``x`` is read through a flat C-contiguous view (copied only if it is not
contiguous) and the result goes to a new array or to ``out``. :func:`parameters` gives
each kernel's parameters, their defaults and checks, read from the activation registry and
shared by the fast and plain kernels.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib import activations
from course_lib.validation import as_float_array, describe, real

KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

def parameters(kernel: str) -> tuple[tuple[str, float, dict[str, Any]], ...]:
    """The parameters of ``kernel`` as (name, default, keywords of ``validation.real``).

    They come from the activation's registry entry (:func:`course_lib.activations.get`):
    its defaults and checks. The derivative ``<name>_grad`` takes the same ones.

    >>> parameters("softplus")
    (('beta', 1.0, {'low': 0.0, 'low_open': True}), ('threshold', 20.0, {'allow_inf': True}))
    """
    spec = activations.get(kernel)
    return tuple((key, default, dict(spec.checks.get(key, {})))
                 for key, default in spec.defaults.items())


def default(kernel: str, parameter: str) -> float:
    """The registry's default of one parameter, for the kernels' signatures."""
    return activations.get(kernel).defaults[parameter]


def kernel_input(x: ArrayLike, where: str) -> np.ndarray:
    """``x`` as a float32 or float64 array (integers and booleans become float64)."""
    arr = as_float_array(x, "x", where=where)
    if arr.dtype not in KERNEL_DTYPES:
        raise TypeError(
            f"{where}: x must be a float32 or float64 array (integers and booleans are "
            f"promoted to float64); got dtype {arr.dtype}. Convert it first, e.g. "
            f"x.astype(np.float32)"
        )
    return arr


def check_parameters(kernel: str, where: str, values: dict[str, Any]) -> tuple[float, ...]:
    """The parameters of ``kernel`` (see :func:`parameters`), checked, in order."""
    return tuple(real(values[name], name, where=where, **checks)
                 for name, _, checks in parameters(kernel))


def _check_out(out: Any, arr: np.ndarray, where: str) -> None:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{where}: out must be a numpy array; got {describe(out)}")
    if out.dtype != arr.dtype:
        raise TypeError(f"{where}: out must have the dtype of x ({arr.dtype}); got {out.dtype}")
    if out.shape != arr.shape:
        raise ValueError(f"{where}: out must have the shape of x {arr.shape}; got {out.shape}")
    if not out.flags.writeable:
        raise ValueError(f"{where}: out must be writeable; got a read-only array")


def run(loop: Callable[..., None], where: str, x: ArrayLike, out: np.ndarray | None,
        *params: Any) -> np.ndarray:
    """Apply ``loop`` element-wise to ``x``; the result goes to a new array or to ``out``."""
    arr = kernel_input(x, where)
    flat = np.ascontiguousarray(arr).reshape(-1)
    if out is None:
        result = np.empty(arr.shape, dtype=arr.dtype)
        loop(flat, result.reshape(-1), *params)
        return result
    _check_out(out, arr, where)
    # Writing straight into out is safe when it is contiguous and either shares no memory
    # with the input or is exactly the input (element i is read before it is written).
    same = out.ctypes.data == flat.ctypes.data and out.flags.c_contiguous
    if out.flags.c_contiguous and (same or not np.may_share_memory(out, flat)):
        loop(flat, out.reshape(-1), *params)
    else:
        result = np.empty(arr.shape, dtype=arr.dtype)
        loop(flat, result.reshape(-1), *params)
        np.copyto(out, result)
    return out


def plain_kernel(loop: Callable[..., None]) -> Callable[..., np.ndarray]:
    """Compile a readable loop ``name(x, out, *params)`` and wrap it like a fast kernel.

    The loop is compiled with ``njit(parallel=True)`` (cached on disk where possible); the
    returned function ``name(x, *params, out=None)`` checks its input and parameters, takes
    any shape and layout and writes into ``out`` if given. Its ``loop`` attribute is the
    compiled loop; its docstring and source are the loop's.
    """
    from numba import njit

    try:
        compiled = njit(parallel=True, cache=True)(loop)
    except RuntimeError:  # pragma: no cover - no writable cache folder
        compiled = njit(parallel=True)(loop)
    name = loop.__name__
    kernel = name.removesuffix("_grad")
    where = f"kernels.plain.{name}()"
    signature = inspect.Signature(
        [inspect.Parameter("x", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default)
           for p, default, _ in parameters(kernel)]
        + [inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None)]
    )

    def call(*args: Any, **kwargs: Any) -> np.ndarray:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{where}: {exc}") from None
        bound.apply_defaults()
        params = check_parameters(kernel, where, bound.arguments)
        return run(compiled, where, bound.arguments["x"], bound.arguments["out"], *params)

    call.__name__ = call.__qualname__ = name
    call.__module__ = loop.__module__
    call.__doc__ = loop.__doc__
    call.__signature__ = signature  # type: ignore[attr-defined]
    call.__wrapped__ = loop  # type: ignore[attr-defined]  # inspect.getsource shows the loop
    call.loop = compiled  # type: ignore[attr-defined]
    return call
