r"""The course's own functions and layers in PyTorch, to compare the numpy versions with.

Importing this module imports torch (``import course_lib`` does not). Everything here is
tested against the numpy implementations: values and gradients agree in float64 to a relative
1e-10.

* :class:`DiscontinuousFunction` and :class:`SoftplusQuadraticFunction` -- the piecewise activation
  of :mod:`course_lib.custom` (as first written, and its C¹ repair) as
  ``torch.autograd.Function``\ s with hand-written backward passes; :func:`discontinuous_activation`
  and :func:`softplus_quadratic` apply them.
* :class:`AdaptiveSwish` -- :math:`y = \alpha\, x\, \sigma(\beta x)` as an ``nn.Module`` with
  one trainable ``nn.Parameter`` :math:`\alpha` and one :math:`\beta` per unit, the twin of
  :class:`course_lib.layers.AdaptiveSwish` (whose gradients are derived by hand; here autograd
  derives them).
* :func:`from_layers` -- the PyTorch twin of a :class:`course_lib.layers.Sequential` (or of
  one layer) with the same weights, in float64, for step-by-step comparisons of training.
* :func:`functional` and :func:`module` -- PyTorch's version of any registered activation,
  read from its registry entry (:class:`course_lib.activations.ActivationSpec`): the
  ``torch.nn.functional`` call or ``torch.nn`` module where PyTorch has one, a torch
  expression (:class:`Expression`) otherwise.

Examples
--------
>>> x = torch.tensor([-1.0, 0.0, 2.0], dtype=torch.float64, requires_grad=True)
>>> softplus_quadratic(x).sum().backward()
>>> x.grad
tensor([0.2689, 0.5000, 2.5000], dtype=torch.float64)
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from course_lib import activations, layers
from course_lib.validation import describe, integer, real

__all__ = [
    "AdaptiveSwish",
    "Expression",
    "functional",
    "module",
    "DiscontinuousFunction",
    "SoftplusQuadraticFunction",
    "from_layers",
    "discontinuous_activation",
    "softplus_quadratic",
]

_LN2 = math.log(2.0)


class DiscontinuousFunction(torch.autograd.Function):
    r"""The piecewise activation as first written, bugs included, with its own backward.

    .. math::

        f(x) = \alpha x^2\,[x > 0] + \beta \log(1 + e^x)\,[x \le 0],\qquad
        f'(x) = 2\alpha x\,[x > 0] + \beta\,\frac{e^x}{1 + e^x}\,[x \le 0]

    computed literally, masks as multiplications: NaN where ``exp(x)`` overflows (x > 709.78
    in float64), and a jump at 0 in value (:math:`\beta\ln 2 \to 0`) and slope
    (:math:`\beta/2 \to 0`). ``torch.autograd.gradcheck`` passes away from 0 and fails when a
    finite-difference step crosses 0. The numpy twin is
    :func:`course_lib.custom.discontinuous_activation`.

    Call it as ``DiscontinuousFunction.apply(x, alpha, beta)`` (``alpha``, ``beta`` floats; no
    gradient for them) or through :func:`discontinuous_activation`.
    """

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, alpha: float, beta: float) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.alpha, ctx.beta = alpha, beta
        positive_part = alpha * x**2 * (x > 0)
        negative_part = beta * torch.log(1 + torch.exp(x)) * (x <= 0)
        return positive_part + negative_part

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        (x,) = ctx.saved_tensors
        positive_grad = 2 * ctx.alpha * x * (x > 0)
        negative_grad = ctx.beta * (torch.exp(x) / (1 + torch.exp(x))) * (x <= 0)
        return grad_output * (positive_grad + negative_grad), None, None


class SoftplusQuadraticFunction(torch.autograd.Function):
    r"""The C¹ repair of :class:`DiscontinuousFunction`, with its own backward.

    .. math::

        g(x) = \begin{cases} \beta\ln 2 + \tfrac{\beta}{2}x + \alpha x^2 & x > 0 \\
                             \beta\log(1 + e^x) & x \le 0 \end{cases},\qquad
        g'(x) = \begin{cases} \tfrac{\beta}{2} + 2\alpha x & x > 0 \\
                              \beta\,\sigma(x) & x \le 0 \end{cases}

    Each branch sees only its half-line (``clamp``), so ``log1p(exp(x))`` never overflows: no
    NaN for finite input. Passes ``torch.autograd.gradcheck`` everywhere, 0 included. The
    numpy twin is :func:`course_lib.custom.softplus_quadratic`.
    """

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, alpha: float, beta: float) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.alpha, ctx.beta = alpha, beta
        right = x.clamp(min=0.0)
        left = x.clamp(max=0.0)
        quadratic = beta * _LN2 + right * (0.5 * beta + alpha * right)
        return torch.where(x > 0, quadratic, beta * torch.log1p(torch.exp(left)))

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        (x,) = ctx.saved_tensors
        slope = torch.where(
            x > 0,
            0.5 * ctx.beta + 2.0 * ctx.alpha * x.clamp(min=0.0),
            ctx.beta * torch.sigmoid(x.clamp(max=0.0)),
        )
        return grad_output * slope, None, None


def _params(alpha: float, beta: float, where: str) -> tuple[float, float]:
    return real(alpha, "alpha", where=where), real(beta, "beta", where=where)


def _tensor(x: Any, where: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{where}: x must be a torch.Tensor; got {describe(x)}")
    if not x.is_floating_point():
        raise TypeError(f"{where}: x must be a floating-point tensor; got dtype {x.dtype}")
    return x


def discontinuous_activation(
    x: torch.Tensor, alpha: float = 0.5, beta: float = 1.0
) -> torch.Tensor:
    """Apply :class:`DiscontinuousFunction` (the bugs included) to a floating-point tensor.

    Examples
    --------
    >>> discontinuous_activation(torch.tensor([-1e-3, 0.0, 1e-3, 800.0], dtype=torch.float64))
    tensor([6.9265e-01, 6.9315e-01, 5.0000e-07,        nan], dtype=torch.float64)
    """
    where = "discontinuous_activation()"
    alpha, beta = _params(alpha, beta, where)
    return DiscontinuousFunction.apply(_tensor(x, where), alpha, beta)


def softplus_quadratic(x: torch.Tensor, alpha: float = 0.5, beta: float = 1.0) -> torch.Tensor:
    """Apply :class:`SoftplusQuadraticFunction` (the C¹ repair) to a floating-point tensor.

    Examples
    --------
    >>> softplus_quadratic(torch.tensor([-800.0, 0.0, 800.0], dtype=torch.float64))
    tensor([0.0000e+00, 6.9315e-01, 3.2040e+05], dtype=torch.float64)
    """
    where = "softplus_quadratic()"
    alpha, beta = _params(alpha, beta, where)
    return SoftplusQuadraticFunction.apply(_tensor(x, where), alpha, beta)


class AdaptiveSwish(nn.Module):
    r"""Swish with a trainable scale and slope per unit, :math:`y = \alpha\, x\, \sigma(\beta x)`.

    ``alpha`` and ``beta`` are ``nn.Parameter``\ s of shape (num_features,), broadcast along
    the last axis of the input, so ``model.parameters()`` hands them to any
    ``torch.optim`` optimiser. Gradients come from autograd. The numpy twin is
    :class:`course_lib.layers.AdaptiveSwish`.

    Parameters
    ----------
    num_features : int
        Size of the last axis.
    alpha, beta : float, default 1.0
        Initial values (alpha = beta = 1 is SiLU).
    dtype : torch.dtype, default torch.float64

    Shape
    -----
    x (N, num_features) -> y of the same shape; more leading axes are allowed.

    Examples
    --------
    >>> layer = AdaptiveSwish(2)
    >>> layer(torch.tensor([[1.0, -1.0]], dtype=torch.float64))
    tensor([[ 0.7311, -0.2689]], dtype=torch.float64, grad_fn=<MulBackward0>)
    >>> [name for name, _ in layer.named_parameters()]
    ['alpha', 'beta']
    """

    def __init__(
        self,
        num_features: int,
        alpha: float = 1.0,
        beta: float = 1.0,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        where = "AdaptiveSwish()"
        self.num_features = integer(num_features, "num_features", where=where, minimum=1)
        alpha, beta = _params(alpha, beta, where)
        self.alpha = nn.Parameter(torch.full((self.num_features,), alpha, dtype=dtype))
        self.beta = nn.Parameter(torch.full((self.num_features,), beta, dtype=dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim < 1 or x.shape[-1] != self.num_features:
            raise ValueError(
                f"AdaptiveSwish({self.num_features}): x must have shape "
                f"(N, {self.num_features}); got {tuple(x.shape)}"
            )
        return self.alpha * x * torch.sigmoid(self.beta * x)

    def extra_repr(self) -> str:
        return f"num_features={self.num_features}"


def _parameters(name: str, params: dict[str, Any], where: str) -> tuple[Any, dict[str, float]]:
    spec = activations.get(name)
    unknown = sorted(set(params) - set(spec.defaults))
    if unknown:
        raise TypeError(f"{where}: activation {spec.name!r} has no parameter {unknown[0]!r}; "
                        f"its parameters are: {', '.join(spec.defaults) or 'none'}")
    values = {**spec.defaults, **params}
    return spec, {key: real(value, key, where=where, **spec.checks.get(key, {}))
                  for key, value in values.items()}


def functional(name: str, **params: float) -> Any:
    """PyTorch's version of a registered activation, as a function of one tensor.

    It evaluates the registry's ``torch`` expression (:class:`course_lib.activations.
    ActivationSpec`) with the given parameters (defaults for the others), so autograd
    differentiates it.

    Examples
    --------
    >>> f = functional("leaky_relu", negative_slope=0.2)
    >>> f(torch.tensor([-1.0, 2.0], dtype=torch.float64))
    tensor([-0.2000,  2.0000], dtype=torch.float64)
    """
    spec, values = _parameters(name, params, "functional()")
    code = compile(spec.torch, f"<PyTorch counterpart of {spec.name}>", "eval")
    scope = {"torch": torch, "F": F, **values}
    return lambda x: eval(code, {**scope, "x": x})


class Expression(nn.Module):
    """An activation PyTorch has no module for, as a module around :func:`functional`."""

    def __init__(self, name: str, **params: float) -> None:
        super().__init__()
        self.spec, self.values = _parameters(name, params, "Expression()")
        self.function = functional(name, **params)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.function(x)

    def extra_repr(self) -> str:
        values = "".join(f", {key}={value:g}" for key, value in self.values.items())
        return f"{self.spec.torch!r}{values}"


def module(name: str, **params: float) -> nn.Module:
    """The ``torch.nn`` module of a registered activation, or an :class:`Expression`.

    Examples
    --------
    >>> module("gelu_tanh"), module("swish"), module("swish", beta=2.0)
    (GELU(approximate='tanh'), SiLU(), Expression('F.silu(x) if beta == 1 else x * torch.sigmoid(beta * x)', beta=2))
    """  # noqa: E501
    spec, values = _parameters(name, params, "module()")
    made = None
    if spec.torch_module:
        made = eval(spec.torch_module, {"nn": nn, "torch": torch, **values})
    return made if made is not None else Expression(spec.name, **params)


def _parameter_names(layer: Any) -> dict[str, tuple[str, bool]]:
    """The layer's row of :data:`layers.TORCH_PARAMETER_NAMES`: its own class's, or the
    nearest base class's (a learner's subclass of ``Linear`` keeps ``Linear``'s names)."""
    for cls in type(layer).__mro__:
        if cls.__module__.startswith("course_lib.") and (
                cls.__name__ in layers.TORCH_PARAMETER_NAMES):
            return layers.TORCH_PARAMETER_NAMES[cls.__name__]
    raise TypeError(f"from_layers(): no PyTorch parameter names for {type(layer).__name__}")


def _copy_parameters(layer: Any, twin: nn.Module) -> nn.Module:
    """Copy the layer's parameters into its twin, by :data:`layers.TORCH_PARAMETER_NAMES`."""
    with torch.no_grad():
        for name, (torch_name, transposed) in _parameter_names(layer).items():
            if name in layer.params:
                value = layer.params[name].T if transposed else layer.params[name]
                getattr(twin, torch_name).copy_(torch.from_numpy(value.copy()))
    return twin


def _module(layer: Any, index: int) -> nn.Module:
    if isinstance(layer, layers.Linear):
        twin = nn.Linear(layer.in_features, layer.out_features, bias="b" in layer.params,
                         dtype=torch.float64)
        return _copy_parameters(layer, twin)
    if isinstance(layer, layers.Activation):
        return module(layer.name, **dict(layer.activation_params))
    if isinstance(layer, layers.AdaptiveSwish):
        return _copy_parameters(layer, AdaptiveSwish(layer.num_features))
    if isinstance(layer, layers.PReLU):
        return _copy_parameters(layer, nn.PReLU(layer.num_parameters, dtype=torch.float64))
    raise TypeError(
        f"from_layers(): layer {index} must be a Linear, Activation, AdaptiveSwish or PReLU; "
        f"got {type(layer).__name__}"
    )


def from_layers(model: Any) -> nn.Sequential:
    r"""A float64 ``nn.Sequential`` computing the same function as a course model.

    The weights are copied (not shared): training one leaves the other unchanged, which is
    what a step-by-step comparison needs. ``Linear`` becomes ``nn.Linear`` (its weight is the
    transpose of ``params["W"]``: PyTorch computes :math:`x W^\top + b`), ``Activation``
    :func:`module` (the matching ``torch.nn`` module, or an :class:`Expression` where PyTorch
    has none), :class:`course_lib.layers.AdaptiveSwish` this module's
    :class:`AdaptiveSwish`, ``PReLU`` ``nn.PReLU``. The PyTorch parameters come in the same
    order as ``model.params``.

    Parameters
    ----------
    model : course_lib.layers.Sequential or one layer

    Returns
    -------
    torch.nn.Sequential

    Raises
    ------
    TypeError
        For a layer of another kind.

    Examples
    --------
    >>> from course_lib.layers import Activation, Linear, Sequential
    >>> model = Sequential(Linear(3, 4, rng=0), Activation("tanh"), Linear(4, 1, rng=1))
    >>> twin = from_layers(model)
    >>> twin
    Sequential(
      (0): Linear(in_features=3, out_features=4, bias=True)
      (1): Tanh()
      (2): Linear(in_features=4, out_features=1, bias=True)
    )
    >>> x = torch.ones(2, 3, dtype=torch.float64)
    >>> bool(torch.allclose(twin(x), torch.from_numpy(model.forward(x.numpy()))))
    True
    """
    items = list(model.layers) if isinstance(model, layers.Sequential) else [model]
    return nn.Sequential(*(_module(layer, i) for i, layer in enumerate(items)))
