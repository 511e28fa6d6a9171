"""The kernels by name: :func:`get` returns a :class:`KernelSpec`, :func:`names` lists them.

Same lookup shape as :func:`course_lib.activations.get`: a spec is called like the
activation (the fast kernel), has ``.derivative`` and the readable versions ``.plain`` and
``.plain_derivative``, and aliases work (``"silu"`` is ``"swish"``).

Examples
--------
>>> import numpy as np
>>> from course_lib import kernels
>>> spec = kernels.get("silu")
>>> spec.name, dict(spec.parameters)
('swish', {'beta': 1.0})
>>> x = np.array([-1.0, 0.0, 2.0])
>>> spec(x)
array([-0.26894142,  0.        ,  1.76159416])
>>> spec.plain_derivative(x, beta=2.0)
array([-0.09078425,  0.5       ,  1.05266461])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib import activations
from course_lib.kernels import fast, plain
from course_lib.kernels._dispatch import parameters
from course_lib.validation import choice

__all__ = ["KernelSpec", "get", "names"]


@dataclass(frozen=True, eq=False)
class KernelSpec:
    """One kernelised activation: the fast and the plain kernel, each with its derivative.

    Every kernel is called as ``kernel(x, *params, out=None)`` and equals the
    :mod:`course_lib.activations` function of the same name (its ``_grad`` for the
    derivatives). Calling the spec calls :attr:`forward`.

    Attributes
    ----------
    name : str
    forward, derivative : callable
        The fast kernels (:mod:`course_lib.kernels.fast`).
    plain, plain_derivative : callable
        The readable kernels (:mod:`course_lib.kernels.plain`).
    parameters : mapping
        The parameters after ``x`` and their defaults, as in PyTorch.
    aliases : tuple of str
        Other names :func:`get` accepts.
    """

    name: str
    forward: Callable[..., np.ndarray]
    derivative: Callable[..., np.ndarray]
    plain: Callable[..., np.ndarray]
    plain_derivative: Callable[..., np.ndarray]
    parameters: Mapping[str, float]
    aliases: tuple[str, ...] = ()

    def __call__(self, x: ArrayLike, *args: Any, **kwargs: Any) -> np.ndarray:
        return self.forward(x, *args, **kwargs)


_ALIASES = {"swish": ("silu",)}

_SPECS: dict[str, KernelSpec] = {
    name: KernelSpec(
        name=name,
        forward=getattr(fast, name),
        derivative=getattr(fast, name + "_grad"),
        plain=getattr(plain, name),
        plain_derivative=getattr(plain, name + "_grad"),
        parameters=MappingProxyType({p: default for p, default, _ in parameters(name)}),
        aliases=_ALIASES.get(name, ()),
    )
    # every registered activation that has a fast kernel, in registry order
    for name in activations.names()
    if name in fast.__all__
}
_LOOKUP = {**_SPECS, **{alias: spec for spec in _SPECS.values() for alias in spec.aliases}}


def names() -> list[str]:
    """Names of every kernelised activation, in registry order (aliases not repeated).

    >>> names()[:4]
    ['relu', 'leaky_relu', 'elu', 'sigmoid']
    """
    return list(_SPECS)


def get(name: str) -> KernelSpec:
    """The kernels of the activation called ``name`` (aliases such as ``"silu"`` work).

    An unknown name raises ``ValueError`` naming the closest match and the known names.

    >>> get("gleu")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: unknown kernel 'gleu'; did you mean 'gelu'? Known: relu, leaky_relu, ..., silu
    """
    return _LOOKUP[choice(name, "kernel", list(_LOOKUP))]
