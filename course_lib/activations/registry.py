r"""The registry: every activation by name, with its derivative, formula and properties.

:func:`get` returns an :class:`ActivationSpec`, which evaluates the function
(``spec(x, **params)``) and its derivative (``spec.derivative(x, **params)``) and holds the
LaTeX formula, the default parameters (PyTorch's), the kinks and the :class:`Properties`
record. :func:`names` lists every registered name; ``"silu"`` is an alias of ``"swish"``.

Examples
--------
>>> spec = get("gelu")
>>> float(spec(1.0)), float(spec.derivative(0.0))
(0.8413447460685429, 0.5)
>>> spec.properties.monotonic
False
>>> get("gleu")
Traceback (most recent call last):
    ...
ValueError: unknown activation 'gleu'; did you mean 'gelu'? Known: celu, elu, gelu, ...
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.activations import gates, rectifiers, sigmoids
from course_lib.activations._elementwise import INF
from course_lib.activations.rectifiers import SELU_ALPHA, SELU_SCALE
from course_lib.validation import choice

__all__ = ["ActivationSpec", "Properties", "get", "names"]


@dataclass(frozen=True)
class Properties:
    """What an activation does, for its default parameters, as recorded in the registry.

    :func:`course_lib.activations.property_table` measures the same properties from the code;
    the tests check that the two agree for every activation.

    Attributes
    ----------
    output_range : (float, float)
        Infimum and supremum of f over the real line (may be ``±inf``).
    range_closed : (bool, bool)
        Whether each end of the range is attained by a finite input.
    monotonic : bool
        f is non-decreasing on the whole real line.
    smooth : bool
        f is continuously differentiable (C¹) on the whole real line.
    zero_centred : bool
        For a standard normal input the mean output is zero
        (:math:`|E f(Z)| < 10^{-3} \\sqrt{E f(Z)^2}`): the next layer sees inputs of both
        signs in balance.
    self_gated : bool
        :math:`f(x) = x\\,g(x)` with a continuous, non-decreasing gate :math:`g` running from
        0 at :math:`-\\infty` to 1 at :math:`+\\infty`.
    """

    output_range: tuple[float, float]
    range_closed: tuple[bool, bool]
    monotonic: bool
    smooth: bool
    zero_centred: bool
    self_gated: bool

    @property
    def bounded_below(self) -> bool:
        """f has a finite lower bound."""
        return math.isfinite(self.output_range[0])

    @property
    def bounded_above(self) -> bool:
        """f has a finite upper bound."""
        return math.isfinite(self.output_range[1])

    def range_text(self, digits: int = 4) -> str:
        """The output range in interval notation, e.g. ``[0, ∞)`` or ``(-1, 1)``."""

        def end(v: float) -> str:
            if math.isinf(v):
                return "∞" if v > 0 else "-∞"
            return f"{v:.{digits}g}"

        lo, hi = self.output_range
        left = "[" if self.range_closed[0] else "("
        right = "]" if self.range_closed[1] else ")"
        return f"{left}{end(lo)}, {end(hi)}{right}"


@dataclass(frozen=True)
class ActivationSpec:
    """One registered activation: call it, differentiate it, read its formula and properties.

    ``spec(x, **params)`` (or ``spec.forward``) evaluates the function and
    ``spec.derivative(x, **params)`` its derivative with respect to x. Parameters not given
    take ``spec.defaults``; an unknown one raises ``TypeError`` naming it.

    The entry is the one place that describes the activation; everything else reads it:

    * ``defaults`` (from the function's signature, PyTorch's values) and ``checks`` (per
      parameter, keywords of :func:`course_lib.validation.real`): the compiled kernels of
      :mod:`course_lib.kernels` take their parameters, defaults and checks from here.
    * ``torch``: a PyTorch expression in ``x`` (a tensor) and the parameter names, with
      ``torch`` and ``F`` (``torch.nn.functional``) in scope -- the counterpart every test,
      :mod:`course_lib.torch_ref` and the benchmark compare with.
    * ``torch_module``: an expression giving the ``torch.nn`` module with ``nn`` and the
      parameters in scope, or ``""`` (or an expression giving ``None``) where PyTorch has no
      module; :func:`course_lib.torch_ref.from_layers` then wraps ``torch``.
    * ``exact``: the function and its derivative as mpmath expressions in ``x`` (an ``mpf``)
      and the parameters, with ``mp`` in scope, written straight from the definition: the
      tests' ground truth, evaluated at 60 significant digits.
    """

    name: str
    formula: str
    defaults: Mapping[str, float]
    properties: Properties
    kinks: tuple[float, ...]
    citation: str
    _forward: Callable[..., np.ndarray] = field(repr=False)
    _derivative: Callable[..., np.ndarray] = field(repr=False)
    aliases: tuple[str, ...] = ()
    torch: str = field(default="", repr=False)
    torch_module: str = field(default="", repr=False)
    exact: tuple[str, str] = field(default=("", ""), repr=False)
    checks: Mapping[str, Mapping[str, Any]] = field(
        default_factory=lambda: MappingProxyType({}), repr=False
    )

    def _check(self, params: Mapping[str, Any]) -> None:
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            valid = ", ".join(self.defaults) or "none"
            raise TypeError(
                f"activation {self.name!r} has no parameter {unknown[0]!r}; its parameters "
                f"are: {valid}"
            )

    def forward(self, x: ArrayLike, **params: float) -> np.ndarray:
        """Evaluate the activation at x."""
        self._check(params)
        return self._forward(x, **params)

    __call__ = forward

    def derivative(self, x: ArrayLike, **params: float) -> np.ndarray:
        """Evaluate the derivative with respect to x (PyTorch's convention at kinks)."""
        self._check(params)
        return self._derivative(x, **params)


_REGISTRY: dict[str, ActivationSpec] = {}
_ALIASES: dict[str, str] = {}


def _register(
    forward: Callable[..., np.ndarray],
    derivative: Callable[..., np.ndarray],
    *,
    formula: str,
    output_range: tuple[float, float],
    range_closed: tuple[bool, bool],
    monotonic: bool,
    smooth: bool,
    zero_centred: bool,
    self_gated: bool,
    kinks: tuple[float, ...] = (),
    citation: str = "",
    aliases: tuple[str, ...] = (),
    torch: str,
    torch_module: str = "",
    exact: tuple[str, str],
    checks: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    name = forward.__name__
    params = list(inspect.signature(forward).parameters.values())[1:]
    defaults = MappingProxyType({p.name: p.default for p in params})
    spec = ActivationSpec(
        name=name,
        formula=formula,
        defaults=defaults,
        properties=Properties(
            output_range=output_range,
            range_closed=range_closed,
            monotonic=monotonic,
            smooth=smooth,
            zero_centred=zero_centred,
            self_gated=self_gated,
        ),
        kinks=kinks,
        citation=citation,
        _forward=forward,
        _derivative=derivative,
        aliases=aliases,
        torch=torch,
        torch_module=torch_module,
        exact=exact,
        checks=MappingProxyType({k: MappingProxyType(dict(v)) for k, v in (checks or {}).items()}),
    )
    _REGISTRY[name] = spec
    for alias in aliases:
        _ALIASES[alias] = name


_R = (-INF, INF)
_POSITIVE = {"low": 0.0, "low_open": True}
# Exact constants for mpmath: SELU's λ and α to 32 digits (Klambauer et al.'s values), and
# GELU-tanh's inner argument u(x) = sqrt(2/π)(x + 0.044715 x³) and its slope.
_SELU_EXACT = (
    "mp.mpf('1.0507009873554804934193349852946') * (x if x > 0 else"
    " mp.mpf('1.6732632423543772848170429916717') * mp.expm1(x))",
    "mp.mpf('1.0507009873554804934193349852946') * (1 if x > 0 else"
    " mp.mpf('1.6732632423543772848170429916717') * mp.exp(x))",
)
_U = "(mp.sqrt(2 / mp.pi) * (x + mp.mpf(0.044715) * x**3))"
_GELU_TANH_EXACT = (  # (1 + tanh u)/2 = σ(2u), written so that nothing cancels
    f"x / (1 + mp.exp(-2 * {_U}))",
    f"1 / (1 + mp.exp(-2 * {_U})) + 2 * x * mp.sqrt(2 / mp.pi)"
    f" * (1 + 3 * mp.mpf(0.044715) * x**2) / ((1 + mp.exp(-2 * {_U})) * (1 + mp.exp(2 * {_U})))",
)
_OPEN = (False, False)
_LOW_ONLY = (True, False)
_CASES = r"\begin{cases} x & x > 0 \\ %s & x \le 0 \end{cases}"

_register(rectifiers.relu, rectifiers.relu_grad, formula=r"\max(0, x)",
          output_range=(0.0, INF), range_closed=_LOW_ONLY, monotonic=True, smooth=False,
          zero_centred=False, self_gated=False, kinks=(0.0,),
          citation="Nair & Hinton, ICML 2010",
          torch='F.relu(x)',
          torch_module='nn.ReLU()',
          exact=('max(x, 0)',
                 '1 if x > 0 else 0'))
_register(rectifiers.leaky_relu, rectifiers.leaky_relu_grad,
          formula=_CASES % r"\mathrm{negative\_slope} \cdot x",
          output_range=_R, range_closed=_OPEN, monotonic=True, smooth=False, zero_centred=False,
          self_gated=False, kinks=(0.0,), citation="Maas, Hannun & Ng, ICML 2013 workshop",
          torch='F.leaky_relu(x, negative_slope)',
          torch_module='nn.LeakyReLU(negative_slope)',
          exact=('x if x > 0 else negative_slope * x',
                 '1 if x > 0 else negative_slope'))
_register(rectifiers.prelu, rectifiers.prelu_grad, formula=_CASES % "w x",
          output_range=_R, range_closed=_OPEN, monotonic=True, smooth=False, zero_centred=False,
          self_gated=False, kinks=(0.0,), citation="He et al., ICCV 2015, arXiv:1502.01852",
          torch='F.prelu(x, torch.tensor([weight], dtype=x.dtype))',
          exact=('x if x > 0 else weight * x',
                 '1 if x > 0 else weight'))
_register(rectifiers.elu, rectifiers.elu_grad, formula=_CASES % r"\alpha (e^{x} - 1)",
          output_range=(-1.0, INF), range_closed=_OPEN, monotonic=True, smooth=True,
          zero_centred=False, self_gated=False,
          citation="Clevert et al., ICLR 2016, arXiv:1511.07289",
          torch='F.elu(x, alpha)',
          torch_module='nn.ELU(alpha)',
          exact=('x if x > 0 else alpha * mp.expm1(x)',
                 '1 if x > 0 else alpha * mp.exp(x)'))
_register(rectifiers.selu, rectifiers.selu_grad,
          formula=r"\lambda " + _CASES % r"\alpha (e^{x} - 1)",
          output_range=(-SELU_SCALE * SELU_ALPHA, INF), range_closed=_OPEN, monotonic=True,
          smooth=False, zero_centred=True, self_gated=False, kinks=(0.0,),
          citation="Klambauer et al., NeurIPS 2017, arXiv:1706.02515",
          torch='F.selu(x)',
          torch_module='nn.SELU()',
          exact=_SELU_EXACT)
_register(rectifiers.celu, rectifiers.celu_grad, formula=_CASES % r"\alpha (e^{x/\alpha} - 1)",
          output_range=(-1.0, INF), range_closed=_OPEN, monotonic=True, smooth=True,
          zero_centred=False, self_gated=False, citation="Barron, arXiv:1704.07483",
          torch='F.celu(x, alpha)',
          torch_module='nn.CELU(alpha)',
          exact=('x if x > 0 else alpha * mp.expm1(x / alpha)',
                 '1 if x > 0 else mp.exp(x / alpha)'))
_register(sigmoids.sigmoid, sigmoids.sigmoid_grad, formula=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
          output_range=(0.0, 1.0), range_closed=_OPEN, monotonic=True, smooth=True,
          zero_centred=False, self_gated=False,
          torch='torch.sigmoid(x)',
          torch_module='nn.Sigmoid()',
          exact=('1 / (1 + mp.exp(-x))',
                 'mp.exp(-x) / (1 + mp.exp(-x)) ** 2'))
_register(sigmoids.log_sigmoid, sigmoids.log_sigmoid_grad,
          formula=r"\log \sigma(x) = -\log(1 + e^{-x})",
          output_range=(-INF, 0.0), range_closed=_OPEN, monotonic=True, smooth=True,
          zero_centred=False, self_gated=False,
          torch='F.logsigmoid(x)',
          torch_module='nn.LogSigmoid()',
          exact=('-mp.log1p(mp.exp(-x))',
                 '1 / (1 + mp.exp(x))'))
_register(sigmoids.tanh, sigmoids.tanh_grad,
          formula=r"\tanh x = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
          output_range=(-1.0, 1.0), range_closed=_OPEN, monotonic=True, smooth=True,
          zero_centred=True, self_gated=False,
          torch='torch.tanh(x)',
          torch_module='nn.Tanh()',
          exact=('mp.tanh(x)',
                 'mp.sech(x) ** 2'))
_register(sigmoids.hard_tanh, sigmoids.hard_tanh_grad,
          formula=r"\min(\max(x, \mathrm{min\_val}), \mathrm{max\_val})",
          output_range=(-1.0, 1.0), range_closed=(True, True), monotonic=True, smooth=False,
          zero_centred=True, self_gated=False, kinks=(-1.0, 1.0),
          torch='F.hardtanh(x, min_val, max_val)',
          torch_module='nn.Hardtanh(min_val, max_val)',
          exact=('min(max(x, min_val), max_val)',
                 '1 if min_val < x < max_val else 0'))
_register(sigmoids.hard_sigmoid, sigmoids.hard_sigmoid_grad,
          formula=r"\frac{\mathrm{relu6}(x + 3)}{6}",
          output_range=(0.0, 1.0), range_closed=(True, True), monotonic=True, smooth=False,
          zero_centred=False, self_gated=False, kinks=(-3.0, 3.0),
          citation="Howard et al., arXiv:1905.02244",
          torch='F.hardsigmoid(x)',
          torch_module='nn.Hardsigmoid()',
          exact=('min(max(x + 3, 0), 6) / mp.mpf(6)',
                 '1 / mp.mpf(6) if -3 < x < 3 else 0'))
_register(gates.hard_swish, gates.hard_swish_grad,
          formula=r"x \cdot \frac{\mathrm{relu6}(x + 3)}{6}",
          output_range=(-0.375, INF), range_closed=_LOW_ONLY, monotonic=False, smooth=False,
          zero_centred=False, self_gated=True, kinks=(-3.0, 3.0),
          citation="Howard et al., arXiv:1905.02244",
          torch='F.hardswish(x)',
          torch_module='nn.Hardswish()',
          exact=('x * min(max(x + 3, 0), 6) / mp.mpf(6)',
                 '0 if x <= -3 else (x / 3 + mp.mpf(1) / 2 if x < 3 else 1)'))
_register(rectifiers.softplus, rectifiers.softplus_grad,
          formula=r"\frac{1}{\beta}\log(1 + e^{\beta x})",
          output_range=(0.0, INF), range_closed=_OPEN, monotonic=True, smooth=True,
          zero_centred=False, self_gated=False,
          torch='F.softplus(x, beta, threshold)',
          torch_module='nn.Softplus(beta, threshold)',
          exact=('x if beta * x > threshold else mp.log1p(mp.exp(beta * x)) / beta',
                 '1 if beta * x > threshold else 1 / (1 + mp.exp(-beta * x))'),
          checks={"beta": _POSITIVE, "threshold": {"allow_inf": True}})
_register(sigmoids.softsign, sigmoids.softsign_grad, formula=r"\frac{x}{1 + |x|}",
          output_range=(-1.0, 1.0), range_closed=_OPEN, monotonic=True, smooth=True,
          zero_centred=True, self_gated=False,
          torch='F.softsign(x)',
          torch_module='nn.Softsign()',
          exact=('x / (1 + abs(x))',
                 '1 / (1 + abs(x)) ** 2'))
_register(gates.swish, gates.swish_grad, formula=r"x\,\sigma(\beta x)",
          output_range=(-0.27846454276107385, INF), range_closed=_LOW_ONLY, monotonic=False,
          smooth=True, zero_centred=False, self_gated=True, aliases=("silu",),
          citation="Ramachandran, Zoph & Le, arXiv:1710.05941; Elfwing et al., arXiv:1702.03118",
          torch='F.silu(x) if beta == 1 else x * torch.sigmoid(beta * x)',
          torch_module='nn.SiLU() if beta == 1 else None',
          exact=('x / (1 + mp.exp(-beta * x))',
                 '(1 + beta * x / (1 + mp.exp(beta * x))) / (1 + mp.exp(-beta * x))'),
          checks={"beta": _POSITIVE})
_register(gates.mish, gates.mish_grad, formula=r"x \tanh(\log(1 + e^{x}))",
          output_range=(-0.3088434130172505, INF), range_closed=_LOW_ONLY, monotonic=False,
          smooth=True, zero_centred=False, self_gated=True,
          citation="Misra, BMVC 2020, arXiv:1908.08681",
          torch='F.mish(x)',
          torch_module='nn.Mish()',
          exact=('x * mp.tanh(mp.log1p(mp.exp(x)))',
                 'mp.tanh(mp.log1p(mp.exp(x)))'
                 ' + x * mp.sech(mp.log1p(mp.exp(x))) ** 2 / (1 + mp.exp(-x))'))
_register(gates.gelu, gates.gelu_grad,
          formula=r"x\,\Phi(x) = \frac{x}{2}\left(1 + \mathrm{erf}(x/\sqrt{2})\right)",
          output_range=(-0.16997120747990369, INF), range_closed=_LOW_ONLY, monotonic=False,
          smooth=True, zero_centred=False, self_gated=True,
          citation="Hendrycks & Gimpel, arXiv:1606.08415",
          torch='F.gelu(x)',
          torch_module='nn.GELU()',
          exact=('x * mp.ncdf(x)',
                 'mp.ncdf(x) + x * mp.npdf(x)'))
_register(gates.gelu_tanh, gates.gelu_tanh_grad,
          formula=r"\frac{x}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,"
                  r"(x + 0.044715 x^{3})\right)\right)",
          output_range=(-0.17004075057125406, INF), range_closed=_LOW_ONLY, monotonic=False,
          smooth=True, zero_centred=False, self_gated=True,
          citation="Hendrycks & Gimpel, arXiv:1606.08415",
          torch="F.gelu(x, approximate='tanh')",
          torch_module="nn.GELU(approximate='tanh')",
          exact=_GELU_TANH_EXACT)
_register(gates.snake, gates.snake_grad, formula=r"x + \frac{\sin^{2}(a x)}{a}", output_range=_R,
          range_closed=_OPEN, monotonic=True, smooth=True, zero_centred=False, self_gated=False,
          citation="Liu Ziyin, Hartwig & Ueda, NeurIPS 2020, arXiv:2006.08195",
          torch='x + torch.sin(a * x) ** 2 / a',
          exact=('x + mp.sin(a * x) ** 2 / a',
                 '1 + mp.sin(2 * a * x)'))
_register(sigmoids.scaled_tanh, sigmoids.scaled_tanh_grad, formula=r"a \tanh(b x)",
          output_range=(-1.7159, 1.7159), range_closed=_OPEN, monotonic=True, smooth=True,
          zero_centred=True, self_gated=False,
          citation="LeCun, Bottou, Orr & Müller, Efficient BackProp, 1998",
          torch='a * torch.tanh(b * x)',
          exact=('a * mp.tanh(b * x)',
                 'a * b * mp.sech(b * x) ** 2'))


def names() -> list[str]:
    """Names of every registered activation, in registry order (aliases not repeated).

    Examples
    --------
    >>> names()[:3]
    ['relu', 'leaky_relu', 'prelu']
    """
    return list(_REGISTRY)


def get(name: str) -> ActivationSpec:
    """Return the registered activation called ``name`` (aliases such as ``"silu"`` work).

    Case, surrounding spaces and ``-`` for ``_`` do not matter (``"Leaky-ReLU"`` works).

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        For an unknown name, naming the closest match and listing the valid names.

    Examples
    --------
    >>> get("relu").name
    'relu'
    >>> get("silu").name
    'swish'
    """
    known = sorted([*_REGISTRY, *_ALIASES])
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else name
    key = choice(key, "activation", known)
    return _REGISTRY[_ALIASES.get(key, key)]
