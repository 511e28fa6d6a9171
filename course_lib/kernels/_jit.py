"""numba plumbing shared by the kernels: compile settings, bit-level intrinsics, the loop factory.

* :func:`scalar` compiles a formula on one number, inlined into the loop that calls it.
* :func:`bits`, :func:`from_bits`, :func:`fma` are LLVM instructions numba does not expose;
  :func:`like` converts a constant to the float type of a value; :func:`by_dtype` picks the
  float64 or float32 version of a building block inside compiled code.
* :func:`elementwise_loop` turns a scalar formula into a parallel loop
  ``loop(x, out, params)`` over flat contiguous arrays, cached on disk.

Disk cache. numba keys a cached function on the file that defines it and does not notice
edits to the functions it calls in other files. Every loop made here therefore carries a
hash of all the sources of :mod:`course_lib.kernels` in its closure, which numba puts in the
cache key: an edit anywhere in the package recompiles the loops instead of loading stale ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from types import FunctionType
from typing import Any

import numpy as np
from llvmlite import ir as llvm_ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

# "contract" lets LLVM fuse a*b + c into one FMA instruction (faster and never less exact);
# no other fast-math flag is set, so infinities, NaN and signed zeros keep IEEE semantics.
FASTMATH = {"contract"}

#: Hash of every source file of the package: part of each loop's cache key (see above).
SOURCE_HASH = hashlib.sha256(
    b"".join(path.read_bytes() for path in sorted(Path(__file__).parent.glob("*.py")))
).hexdigest()

scalar = njit(fastmath=FASTMATH, inline="always")


def parallel_kernel(function: Callable[..., None]) -> Callable[..., None]:
    """``njit(parallel=True)``, cached on disk when numba finds a writable cache folder.

    numba refuses ``cache=True`` at decoration time ("no locator available") where neither
    the package folder nor the home folder is writable; the kernel then compiles on each
    first call instead of failing the import.
    """
    try:
        return njit(parallel=True, fastmath=FASTMATH, cache=True)(function)
    except RuntimeError:  # pragma: no cover - depends on the file system
        return njit(parallel=True, fastmath=FASTMATH)(function)


def _bitcast(targets: dict[Any, Any], doc: str) -> Any:
    """An intrinsic that reinterprets the bits of a value as the type ``targets[its type]``."""

    def bitcast(typingctx, value):
        target = targets.get(value)
        if target is None:
            return None

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], context.get_value_type(target))

        return target(value), codegen

    bitcast.__doc__ = doc
    return intrinsic(bitcast)


bits = _bitcast({types.float64: types.int64, types.float32: types.int32},
                "The IEEE bit pattern of a float64 (as int64) or a float32 (as int32).")
from_bits = _bitcast({types.int64: types.float64, types.int32: types.float32},
                     "The float64 (from int64) or float32 (from int32) with these bits.")


@intrinsic
def fma(typingctx, a, b, c):
    """a*b + c with one rounding (LLVM's ``llvm.fma``: one instruction on FMA hardware)."""
    if not (a == b == c and a in (types.float32, types.float64)):
        return None

    def codegen(context, builder, signature, args):
        ty = context.get_value_type(a)
        fn = cgutils.get_or_insert_function(
            builder.module, llvm_ir.FunctionType(ty, [ty, ty, ty]), f"llvm.fma.f{a.bitwidth}"
        )
        return builder.call(fn, args)

    return a(a, a, a), codegen


def like(x, value):  # pragma: no cover - replaced by the overload inside compiled code
    """``value`` converted to the float type of ``x`` (constant-folded by LLVM)."""
    raise NotImplementedError


@overload(like, inline="always")
def _like_overload(x, value):
    if x == types.float32:
        return lambda x, value: np.float32(value)
    if x == types.float64:
        return lambda x, value: np.float64(value)
    return None


def by_dtype(
    name: str, for64: Callable[..., Any], for32: Callable[..., Any], arity: int = 1
) -> Callable[..., Any]:
    """A function usable in compiled code that calls ``for64`` or ``for32`` by the type of its
    first argument. (numba inlines neither ``*args`` nor a call on a closure's ``*args``, so
    one and two arguments are spelled out.)"""

    def target(x):
        return {types.float64: for64, types.float32: for32}.get(x)

    if arity == 1:
        def stub(x):  # pragma: no cover - only its overload runs
            raise NotImplementedError

        def choose(x):
            f = target(x)
            return None if f is None else (lambda x: f(x))
    else:
        def stub(x, y):  # pragma: no cover - only its overload runs
            raise NotImplementedError

        def choose(x, y):
            f = target(x)
            return None if f is None else (lambda x, y: f(x, y))

    stub.__name__ = stub.__qualname__ = name
    overload(stub, inline="always")(choose)
    return stub


# One template per number of activation parameters. elementwise_loop gives each formula its
# own copy of a template, in which the formula is a global name (_ELEMENT), not a closure
# variable: numba keys its disk cache on a closure's variables by their pickled value, and a
# compiled function pickles differently in every process, so it would never be found in the
# cache. The only closure variable is the source hash, a string that pickles the same way in
# every process.
def _templates(source_hash: str) -> tuple[Callable[..., None], ...]:
    def loop_without_parameters(x, out, params):
        source_hash  # noqa: B018 - in numba's cache key: see the module docstring
        for i in prange(x.size):
            out[i] = _ELEMENT(_PRECISION(x[i]))  # noqa: F821 - set by elementwise_loop

    def loop_with_one_parameter(x, out, params):
        source_hash  # noqa: B018
        for i in prange(x.size):
            out[i] = _ELEMENT(_PRECISION(x[i]), params[0])  # noqa: F821

    def loop_with_two_parameters(x, out, params):
        source_hash  # noqa: B018
        for i in prange(x.size):
            out[i] = _ELEMENT(_PRECISION(x[i]), params[0], params[1])  # noqa: F821

    return loop_without_parameters, loop_with_one_parameter, loop_with_two_parameters


_TEMPLATES = _templates(SOURCE_HASH)


@scalar
def _unchanged(x):
    return x


def elementwise_loop(element: Any, module: str, in_float64: bool = False) -> Callable[..., None]:
    """The compiled loop ``loop(x, out, params)``: ``out[i] = element(x[i], *params)``.

    ``element`` is a :func:`scalar` formula taking x and 0 to 2 parameters; ``x`` and
    ``out`` are flat contiguous arrays of one dtype, ``params`` a tuple. With
    ``in_float64``, ``x[i]`` is converted to float64 first. The loop is named after the
    formula (``_relu_loop``), the name numba gives its cache files, and belongs to
    ``module``; it compiles on its first call for each dtype.
    """
    name = element.py_func.__name__ + "_loop"
    template = _TEMPLATES[element.py_func.__code__.co_argcount - 1]
    names = {
        "__name__": module, "prange": prange, "_ELEMENT": element,
        "_PRECISION": np.float64 if in_float64 else _unchanged,
    }
    loop = FunctionType(template.__code__, names, name, None, template.__closure__)
    loop.__qualname__ = name
    return parallel_kernel(loop)
