r"""Exercises on recurrent networks: one step of a gated cell, and statistics per time step.

* :func:`check_gated_step` - one step forward of the gated cell
  :math:`h = z \odot \tanh(a) + (1 - z) \odot h_\text{prev}` with
  :math:`a = x W_x + h_\text{prev} W_h + b` and
  :math:`z = \sigma(x W_{xz} + h_\text{prev} W_{hz} + b_z)`.
* :func:`check_gated_step_backward` - the same step backward: ``(dx, dh_prev, grads)``
  with ``grads`` a dict of the six parameter gradients.
* :func:`check_per_step_std` - the standard deviation of the hidden states at each time
  step (over the batch and the units), instead of one number for the whole sequence.
* :func:`check_tanh_bptt_decay` - predict how much gradient 60 steps of a contracting
  tanh network let through.

Parameter names and shapes are those of :class:`course_lib.layers.GatedRNN`: ``Wx``
(D, H), ``Wh`` (H, H), ``b`` (H,) for the candidate, ``Wxz``, ``Whz``, ``bz`` for the gate.
The reference solutions ``<exercise>_solution`` are written to be read; the tests compare
them with PyTorch autograd and with :class:`course_lib.layers.GatedRNN`.

Used by: 11_rnn_activations.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit

from course_lib.exercises._verdict import WRONG_STATUS, emit
from course_lib.exercises.core import Case, check_function
from course_lib.exercises.help import question, register
from course_lib.validation import as_float_array

__all__ = [
    "GATED_PARAM_NAMES",
    "check_gated_step",
    "check_gated_step_backward",
    "check_per_step_std",
    "check_tanh_bptt_decay",
    "gated_step_backward_solution",
    "gated_step_solution",
    "per_step_std_solution",
]

#: The parameters of the gated cell, in the order the checker lists their gradients.
GATED_PARAM_NAMES = ("Wx", "Wh", "b", "Wxz", "Whz", "bz")


# --- one step of the gated cell, forward -----------------------------------------------------


def gated_step_solution(
    x: ArrayLike, h_prev: ArrayLike, params: Mapping[str, np.ndarray]
) -> np.ndarray:
    r"""One step of the gated cell: a learnt gate mixes a tanh candidate and the old state.

    .. math::

        a = x W_x + h_\text{prev} W_h + b,\qquad
        z = \sigma(x W_{xz} + h_\text{prev} W_{hz} + b_z),\qquad
        h = z \odot \tanh(a) + (1 - z) \odot h_\text{prev}.

    Shapes: x (N, D), h_prev (N, H), params as in :class:`course_lib.layers.GatedRNN`
    -> h (N, H). The sigmoid is scipy's ``expit``, which cannot overflow for large gates.
    """
    x, h_prev = as_float_array(x), as_float_array(h_prev, "h_prev")
    p = params
    a = x @ p["Wx"] + h_prev @ p["Wh"] + p["b"]
    z = expit(x @ p["Wxz"] + h_prev @ p["Whz"] + p["bz"])
    return z * np.tanh(a) + (1 - z) * h_prev


def _gated_params(seed: int, d: int, h: int, scale: float = 0.8,
                  dtype: type = np.float64) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = {"Wx": (d, h), "Wh": (h, h), "b": (h,), "Wxz": (d, h), "Whz": (h, h), "bz": (h,)}
    return {k: (scale * rng.standard_normal(s)).astype(dtype) for k, s in shapes.items()}


def _normal(seed: int, shape: tuple[int, ...], scale: float = 1.0,
            dtype: type = np.float64) -> np.ndarray:
    return (scale * np.random.default_rng(seed).standard_normal(shape)).astype(dtype)


GATED_STEP_CASES = (
    Case((_normal(1, (2, 2)), _normal(2, (2, 3), 0.5), _gated_params(3, 2, 3)),
         hint="a = x Wx + h_prev Wh + b, z = sigmoid(x Wxz + h_prev Whz + bz), "
              "h = z * tanh(a) + (1 - z) * h_prev."),
    Case((np.array([[90.0], [-90.0]]), np.array([[0.5, -0.5], [0.2, 0.1]]),
          {"Wx": np.array([[0.5, -1.0]]), "Wh": np.eye(2), "b": np.zeros(2),
           "Wxz": np.array([[10.0, -10.0]]), "Whz": np.eye(2), "bz": np.zeros(2)}),
         hint="the gate's input reaches +-900 here: use a sigmoid that cannot overflow "
              "(scipy.special.expit)."),
    Case((_normal(7, (2, 3), dtype=np.float32), _normal(8, (2, 2), 0.5, np.float32),
          _gated_params(9, 3, 2, dtype=np.float32)),
         hint="float32 inputs and weights give a float32 state."),
)


def check_gated_step(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``gated_step(x, h_prev, params)``; print one line."""
    check_function(candidate, gated_step_solution, GATED_STEP_CASES,
                   title="gated_step", rtol=1e-10)


# --- one step of the gated cell, backward ----------------------------------------------------


def gated_step_backward_solution(
    dh: ArrayLike, x: ArrayLike, h_prev: ArrayLike, params: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    r"""Backward pass of one gated step: ``(dx, dh_prev, grads)`` from the upstream ``dh``.

    With :math:`c = \tanh(a)` and the gate's pre-activation :math:`g`, the forward
    :math:`h = z c + (1 - z) h_\text{prev}` gives

    .. math::

        da = dh \odot z \odot (1 - c^2),\qquad
        dg = dh \odot (c - h_\text{prev}) \odot z (1 - z),

        dx = da\,W_x^\top + dg\,W_{xz}^\top,\qquad
        dh_\text{prev} = dh \odot (1 - z) + da\,W_h^\top + dg\,W_{hz}^\top,

        dW_x = x^\top da,\ dW_h = h_\text{prev}^\top da,\ db = \textstyle\sum_n da_n,
        \ \text{and the same with } dg \text{ for } W_{xz}, W_{hz}, b_z.

    The old state reaches the new one on three paths: directly through :math:`1 - z`,
    through the candidate and through the gate; ``dh_prev`` adds all three. ``dh`` is
    only read, never modified.

    Shapes: dh (N, H), x (N, D), h_prev (N, H) -> dx (N, D), dh_prev (N, H), grads with
    the shapes of ``params``.
    """
    dh = as_float_array(dh, "dh")
    x, h_prev = as_float_array(x), as_float_array(h_prev, "h_prev")
    p = params
    # forward again: the quantities the derivatives need
    c = np.tanh(x @ p["Wx"] + h_prev @ p["Wh"] + p["b"])
    z = expit(x @ p["Wxz"] + h_prev @ p["Whz"] + p["bz"])
    # backward
    da = dh * z * (1 - c * c)
    dg = dh * (c - h_prev) * z * (1 - z)
    dx = da @ p["Wx"].T + dg @ p["Wxz"].T
    dh_prev = dh * (1 - z) + da @ p["Wh"].T + dg @ p["Whz"].T
    grads = {
        "Wx": x.T @ da, "Wh": h_prev.T @ da, "b": da.sum(axis=0),
        "Wxz": x.T @ dg, "Whz": h_prev.T @ dg, "bz": dg.sum(axis=0),
    }
    return dx, dh_prev, grads


def _flat_backward(result: object) -> tuple:
    """``(dx, dh_prev, grads)`` -> ``(dx, dh_prev, dWx, dWh, db, dWxz, dWhz, dbz)``."""
    if not (isinstance(result, tuple) and len(result) == 3):
        raise TypeError(
            "returned " + (f"a tuple of {len(result)} items" if isinstance(result, tuple)
                           else "None" if result is None else f"a {type(result).__name__}")
            + ", expected the tuple (dx, dh_prev, grads)"
        )
    dx, dh_prev, grads = result
    if not isinstance(grads, Mapping):
        raise TypeError(
            f"grads is a {type(grads).__name__}, expected a dict with the keys "
            f"{', '.join(GATED_PARAM_NAMES)}"
        )
    missing = [k for k in GATED_PARAM_NAMES if k not in grads]
    if missing:
        raise TypeError(f"grads has no entry for {', '.join(missing)}")
    return (dx, dh_prev, *(grads[k] for k in GATED_PARAM_NAMES))


_ITEM_NAMES = ("dx", "dh_prev", *(f"grads['{k}']" for k in GATED_PARAM_NAMES))


def _reference_backward(
    dh: ArrayLike, x: ArrayLike, h_prev: ArrayLike, params: Mapping[str, np.ndarray]
) -> tuple:
    return _flat_backward(gated_step_backward_solution(dh, x, h_prev, params))


_DH_INT = np.array([[1, -2], [3, 0]])

_BACKWARD_HINTS = {
    "dx": "x feeds the candidate and the gate: dx = da Wx^T + dg Wxz^T.",
    "dh_prev": "h_prev reaches h on three paths: dh * (1 - z) + da Wh^T + dg Whz^T.",
    "grads['b']": "db is da summed over the batch (axis 0).",
    "grads['bz']": "dbz is dg summed over the batch (axis 0).",
    "": "with c = tanh(a): da = dh * z * (1 - c^2), dg = dh * (c - h_prev) * z * (1 - z); "
        "dWx = x^T da, dWh = h_prev^T da, and the same with dg for the gate.",
}

GATED_BACKWARD_CASES = (
    Case((_normal(11, (2, 3)), _normal(12, (2, 1)), _normal(13, (2, 3), 0.5),
          _gated_params(14, 1, 3)),
         hint=_BACKWARD_HINTS),
    Case((_normal(15, (2, 2)), _normal(16, (2, 3)), _normal(17, (2, 2), 0.5),
          _gated_params(18, 3, 2, 1.5)),
         hint=_BACKWARD_HINTS),
    Case((_normal(19, (2, 2), 1.0, np.float32), _normal(20, (2, 1), 1.0, np.float32),
          _normal(21, (2, 2), 0.5, np.float32), _gated_params(22, 1, 2, dtype=np.float32)),
         hint="float32 inputs and weights give float32 gradients."),
    Case((_DH_INT, _normal(23, (2, 1)), _normal(24, (2, 2), 0.5), _gated_params(25, 1, 2)),
         hint="an integer dh must not truncate the gradients: they are float64."),
)


def check_gated_step_backward(candidate: Callable[..., tuple]) -> None:
    """Check ``gated_step_backward(dh, x, h_prev, params) -> (dx, dh_prev, grads)``; print it.

    The learner's three results are flattened to eight arrays so that the verdict can name
    the one that differs (``dh_prev``, ``grads['Wx']``, ...); a result of the wrong structure
    gets its own verdict saying what to return.
    """
    if not callable(candidate):
        check_function(candidate, _reference_backward, GATED_BACKWARD_CASES,
                       title="gated_step_backward")
        return
    structure_problems: list[str] = []

    def flattened(dh: ArrayLike, x: ArrayLike, h_prev: ArrayLike, params: Mapping) -> tuple:
        result = candidate(dh, x, h_prev, params)
        try:
            return _flat_backward(result)
        except TypeError as exc:
            structure_problems.append(str(exc))
            raise

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        check_function(flattened, _reference_backward, GATED_BACKWARD_CASES,
                       title="gated_step_backward", rtol=1e-9, atol=1e-12,
                       output_names=_ITEM_NAMES)
    if not structure_problems:
        print(buffer.getvalue(), end="")
        return
    emit("gated_step_backward", WRONG_STATUS, structure_problems[0],
         hint="end with `return dx, dh_prev, grads` where grads = {'Wx': ..., 'Wh': ..., "
              "'b': ..., 'Wxz': ..., 'Whz': ..., 'bz': ...}.")


# --- statistics per time step ----------------------------------------------------------------


def per_step_std_solution(states: ArrayLike) -> np.ndarray:
    r"""The standard deviation of the hidden states at each time step.

    .. math::

        s_t = \sqrt{\frac{1}{NH}\sum_{n,j} \big(h_{ntj} - \bar h_t\big)^2},\qquad
        \bar h_t = \frac{1}{NH}\sum_{n,j} h_{ntj}.

    Shapes: states (N, T, H), the layout :class:`course_lib.layers.RNN` returns -> (T,).
    Averaging over the time axis as well (one number for the whole sequence) would hide
    how the states change over time.
    """
    states = as_float_array(states, "states")
    return np.std(states, axis=(0, 2))


def _decaying_states(seed: int, n: int, t: int, h: int, offset: float = 0.0,
                     dtype: type = np.float64) -> np.ndarray:
    scale = np.exp(-0.5 * np.arange(t))[None, :, None]
    return (offset + scale * np.random.default_rng(seed).standard_normal((n, t, h))).astype(dtype)


PER_STEP_STD_CASES = (
    Case((_decaying_states(31, 2, 4, 2),),
         hint="one number per time step: np.std over the batch axis 0 and the unit axis 2 "
              "together, axis=(0, 2)."),
    Case((_decaying_states(32, 3, 3, 2, offset=0.7),),
         hint="these states do not have mean 0: subtract each step's mean (np.std does), "
              "and use the population standard deviation (ddof=0)."),
    Case((_decaying_states(33, 2, 3, 2, dtype=np.float32),),
         hint="float32 states give float32 statistics."),
    Case((np.arange(12).reshape(2, 3, 2),),
         hint="integer states give float64 statistics."),
)


def check_per_step_std(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``per_step_std(states)``; print one line."""
    check_function(candidate, per_step_std_solution, PER_STEP_STD_CASES,
                   title="per_step_std", rtol=1e-10)


# --- registry ------------------------------------------------------------------------------

register(
    "gated_step",
    checker=check_gated_step,
    solution=gated_step_solution,
    hints=(
        "Write the three equations one after the other: the candidate's pre-activation a, "
        "the gate z, then the mix of tanh(a) and h_prev.",
        "Rows are samples: x @ params['Wx'] has shape (N, H). For the gate use a stable "
        "sigmoid such as scipy.special.expit.",
        "p = params; a = x @ p['Wx'] + h_prev @ p['Wh'] + p['b']; z = expit(x @ p['Wxz'] + "
        "h_prev @ p['Whz'] + p['bz']); return z * np.tanh(a) + (1 - z) * h_prev",
    ),
)

register(
    "gated_step_backward",
    checker=check_gated_step_backward,
    solution=gated_step_backward_solution,
    hints=(
        "Recompute c = tanh(a) and z in the function; then follow h = z c + (1 - z) h_prev "
        "backwards: which quantities does h depend on, and how does h_prev reach h?",
        "da = dh * z * (1 - c**2); dg = dh * (c - h_prev) * z * (1 - z); h_prev reaches h "
        "through 1 - z, through a (Wh) and through the gate (Whz): add the three.",
        "p = params; c = np.tanh(x @ p['Wx'] + h_prev @ p['Wh'] + p['b']); "
        "z = expit(x @ p['Wxz'] + h_prev @ p['Whz'] + p['bz']); da = dh * z * (1 - c * c); "
        "dg = dh * (c - h_prev) * z * (1 - z); dx = da @ p['Wx'].T + dg @ p['Wxz'].T; "
        "dh_prev = dh * (1 - z) + da @ p['Wh'].T + dg @ p['Whz'].T; "
        "return dx, dh_prev, {'Wx': x.T @ da, 'Wh': h_prev.T @ da, 'b': da.sum(0), "
        "'Wxz': x.T @ dg, 'Whz': h_prev.T @ dg, 'bz': dg.sum(0)}",
    ),
)

register(
    "per_step_std",
    checker=check_per_step_std,
    solution=per_step_std_solution,
    hints=(
        "Which axis of states is time? Keep it, and reduce over the others.",
        "np.std accepts a tuple of axes.",
        "states = np.asarray(states); states = states if states.dtype.kind == 'f' else "
        "states.astype(np.float64); return np.std(states, axis=(0, 2))",
    ),
)

check_tanh_bptt_decay = question(
    "tanh_bptt_decay",
    options={
        "a": "about 1/2 of it",
        "b": "about 1/60 of it",
        "c": "less than a billionth (1e-9) of it",
    },
    answer="c",
    explanation=(
        "each step back multiplies the gradient by W_h^T and by tanh'(a) <= 1; with "
        "recurrent weights of scale 0.5 every step shrinks it by about half or more, and "
        "0.5^59 is about 2e-18: the decay is geometric in the number of steps."
    ),
    hints=(
        "Going one step back multiplies the gradient by a matrix. How does a product of "
        "59 such factors behave if each one shrinks a vector?",
        "If each step keeps at most half of the gradient, 59 steps keep at most 0.5^59.",
    ),
)
