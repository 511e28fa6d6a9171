r"""Exercises on the softmax inside attention, and one question.

* :func:`check_masked_softmax` - a softmax over the last axis that ignores masked
  positions (``mask`` is ``True`` where a position may be attended to, as in
  ``torch.nn.functional.scaled_dot_product_attention``): stable for any finite
  scores, exactly 0 at masked positions, batched (a ``(T, T)`` mask broadcasts over
  ``(N, T, T)`` scores), float32 kept, integers promoted.
* :func:`check_masked_softmax_backward` - its vector-Jacobian product: from the
  probabilities :math:`p` and the upstream gradient, the gradient with respect to the
  scores, :math:`p \odot (d_\text{out} - \sum_j d_{\text{out},j}\, p_j)`.
* :func:`check_max_attention_weight` - the largest weight one key can get when tanh
  bounds every component of the queries and keys.
* :func:`check_attention_tanh_entropy` - predict how the entropy of attention rows
  behaves as the input grows, with and without tanh on Q and K.

The reference solutions ``<exercise>_solution`` are written to be read; the tests
compare them with PyTorch (``torch.softmax`` with a mask, autograd).

Used by: 12_attention_activations.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from course_lib.exercises.adaptive import check_in_parts
from course_lib.exercises.core import Case, check_function
from course_lib.exercises.help import question, register
from course_lib.validation import as_float_array

__all__ = [
    "check_attention_tanh_entropy",
    "check_masked_softmax",
    "check_masked_softmax_backward",
    "check_max_attention_weight",
    "masked_softmax_backward_solution",
    "masked_softmax_solution",
    "max_attention_weight_solution",
]


# --- the masked softmax ---------------------------------------------------------------


def masked_softmax_solution(scores: ArrayLike, mask: ArrayLike) -> np.ndarray:
    r"""Softmax over the last axis of ``scores`` using only the positions where ``mask`` is True.

    .. math::

        p_{j} = \frac{[\,\mathrm{mask}_j\,]\; e^{s_j - m}}
                     {\sum_k [\,\mathrm{mask}_k\,]\; e^{s_k - m}},
        \qquad m = \max_{k:\ \mathrm{mask}_k} s_k .

    The maximum is taken over the allowed positions of each row only, so every allowed
    exponent is :math:`\le 0` and one of them is exactly :math:`e^0 = 1`: ``exp`` never
    overflows, the sum is at least 1, and a huge score at a masked position changes nothing. Masked
    positions get exactly 0. Every row must have at least one allowed position.

    Shapes: scores (..., T), mask broadcastable to it (e.g. (T, T) for scores (N, T, T));
    the result has the shape and floating dtype of ``scores``.
    """
    scores = as_float_array(scores, "scores")  # float32 stays float32; integers -> float64
    allowed = np.broadcast_to(np.asarray(mask, dtype=bool), scores.shape)
    kept = np.where(allowed, scores, -np.inf)  # masked scores can no longer win the max
    row_max = np.max(kept, axis=-1, keepdims=True)
    e = np.exp(kept - row_max)  # exp(-inf) = 0 at masked positions, no warning
    return e / np.sum(e, axis=-1, keepdims=True)


def _scores(seed: int, shape: tuple[int, ...], scale: float = 1.0) -> np.ndarray:
    return scale * np.random.default_rng(seed).standard_normal(shape)


_CAUSAL4 = np.tril(np.ones((4, 4), dtype=bool))
_RANDOM_MASK = np.random.default_rng(7).random((3, 16, 16)) < 0.4
_RANDOM_MASK[..., 0] |= ~_RANDOM_MASK.any(axis=-1)  # every row keeps at least one position

MASKED_SOFTMAX_CASES = (
    Case((np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]]),
          np.array([[True, True, False], [True, False, True]])),
         hint="exponentiate the allowed scores, set masked positions to exactly 0, and divide "
              "by the sum over the row (the last axis)."),
    Case((np.array([[1000.0, 999.0, -1000.0], [-1000.0, -1001.0, 0.0]]),
          np.ones((2, 3), dtype=bool)),
         hint="exp(1000) overflows. Subtract each row's maximum before exponentiating: "
              "softmax(s) = softmax(s - max(s)), and then every exponent is <= 0."),
    Case((np.array([[2000.0, 1.0, 2.0], [0.0, 3.0, 500.0]]),
          np.array([[False, True, True], [True, True, False]])),
         hint="here a MASKED position holds the largest score; take the maximum over the "
              "allowed positions only (e.g. replace masked scores by -inf first), otherwise "
              "every allowed exponent underflows to 0 and you divide 0 by 0."),
    Case((np.array([[1000.0, 999.0, 998.0], [0.0, 1.0, 2.0]]), np.ones((2, 3), dtype=bool)),
         hint="the rows have very different scales: shift every row by its OWN maximum "
              "(np.max(..., axis=-1, keepdims=True)), not by one maximum for the whole array."),
    Case((_scores(1, (2, 4, 4), 3.0), _CAUSAL4),
         hint="batched scores (N, T, T) with one causal mask (T, T) that broadcasts over the "
              "batch; work along axis -1 with keepdims=True so that any number of leading "
              "axes works."),
    Case((_scores(2, (2, 4, 4), 3.0).astype(np.float32), _CAUSAL4),
         hint="float32 scores must give float32 probabilities."),
    Case((np.array([[3, 1, 4, 1], [5, 9, 2, 6]]),
          np.array([[True, True, True, False], [False, True, True, True]])),
         hint="integer scores are promoted to float64 (not truncated)."),
    Case((_scores(6, (3, 16, 16), 8.0), _RANDOM_MASK),
         hint="a larger batch, (3, 16, 16), with a random mask (some rows keep one position "
              "only): the same rule for every row, not only the small ones above."),
)


def check_masked_softmax(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``masked_softmax(scores, mask)``; print one line."""
    check_function(candidate, masked_softmax_solution, MASKED_SOFTMAX_CASES,
                   title="masked_softmax", rtol=1e-10, atol=0.0)


register(
    "masked_softmax",
    checker=check_masked_softmax,
    solution=masked_softmax_solution,
    hints=(
        "Two things can go wrong: exp of a large score overflows, and a masked position "
        "must get exactly 0 however large its score. What single change to the masked "
        "scores makes them both harmless?",
        "Replace masked scores by -inf with np.where(mask, scores, -np.inf); subtract the "
        "row maximum (np.max(..., axis=-1, keepdims=True)); exp(-inf) is exactly 0.",
        "kept = np.where(mask, scores, -np.inf); e = np.exp(kept - kept.max(axis=-1, "
        "keepdims=True)); return e / e.sum(axis=-1, keepdims=True)",
    ),
)


# --- its backward pass ------------------------------------------------------------------


def masked_softmax_backward_solution(probs: ArrayLike, dout: ArrayLike) -> np.ndarray:
    r"""Gradient with respect to the scores of :math:`p = \mathrm{softmax}(s)` (masked or not).

    The Jacobian is :math:`\partial p_i / \partial s_j = p_i(\delta_{ij} - p_j)`, so for an
    upstream gradient :math:`g = \partial L/\partial p` of one row

    .. math:: \frac{\partial L}{\partial s_j} = \sum_i g_i\, p_i (\delta_{ij} - p_j)
              = p_j \Big(g_j - \sum_i g_i\, p_i\Big).

    Masked positions have :math:`p_j = 0` and therefore get gradient 0: the mask needs no
    special treatment. Never forms the (T, T) Jacobian; ``dout`` is not modified.

    Shapes: probs and dout (..., T) -> (..., T); integer dout is promoted to float64.
    """
    probs = as_float_array(probs, "probs")
    dout = as_float_array(dout, "dout")
    weighted_mean = np.sum(dout * probs, axis=-1, keepdims=True)  # sum_i g_i p_i, per row
    return probs * (dout - weighted_mean)


_P23 = masked_softmax_solution(np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]),
                               np.array([[True, True, True], [True, False, True]]))
_P_BATCH = masked_softmax_solution(_scores(3, (2, 4, 4), 2.0), _CAUSAL4)

MASKED_SOFTMAX_BACKWARD_CASES = (
    Case((_P23, np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])),
         hint="every score affects every probability of its row (they must sum to 1): "
              "ds_j = p_j * (g_j - sum_i g_i p_i), not just g_j * p_j * (1 - p_j)."),
    Case((_P23, np.array([[0.3, -1.2, 2.0], [1.5, 0.7, -0.4]])),
         hint="the sum_i g_i p_i runs over the last axis (one number per row, "
              "keepdims=True), not over the batch axis."),
    Case((_P_BATCH, _scores(4, (2, 4, 4))),
         hint="batched input (N, T, T): sum over axis -1 with keepdims=True; masked "
              "positions (p = 0) must get gradient 0."),
    Case((_P_BATCH.astype(np.float32), _scores(5, (2, 4, 4)).astype(np.float32)),
         hint="float32 in, float32 out."),
    Case((_P23, np.array([[1, -2, 3], [0, 2, -1]])),
         hint="an integer upstream gradient must not make the result an integer array "
              "(np.zeros_like(dout) would); promote it to float64."),
)


def check_masked_softmax_backward(candidate: Callable[..., np.ndarray]) -> None:
    """Check the learner's ``masked_softmax_backward(probs, dout)``; print one line."""
    # gradients of size 0.01 to 3, and exactly 0 at masked positions: atol 1e-14 lets
    # another summation order (1e-16) pass and float32 arithmetic (1e-8) fail in float64;
    # a float32 answer is held to float32 rounding
    float32 = [c for c in MASKED_SOFTMAX_BACKWARD_CASES if c.args[0].dtype == np.float32]
    float64 = [c for c in MASKED_SOFTMAX_BACKWARD_CASES if c.args[0].dtype != np.float32]
    check_in_parts(candidate, masked_softmax_backward_solution,
                   [(float64, {"rtol": 1e-10, "atol": 1e-14}),
                    (float32, {"rtol": 1e-5, "atol": 1e-7})],
                   title="masked_softmax_backward")


register(
    "masked_softmax_backward",
    checker=check_masked_softmax_backward,
    solution=masked_softmax_backward_solution,
    hints=(
        "Changing one score changes every probability in its row, because they sum to 1. "
        "Write down dp_i/ds_j for i = j and for i != j.",
        "dp_i/ds_j = p_i * (delta_ij - p_j). Multiply by g_i = dout_i and sum over i: one "
        "term is g_j p_j, the other is p_j times the row's sum of g_i p_i.",
        "return probs * (dout - np.sum(dout * probs, axis=-1, keepdims=True))",
    ),
)


# --- how peaked can tanh-bounded attention be? -------------------------------------------


def max_attention_weight_solution(d: int, t: int) -> float:
    r"""Largest attention weight one of ``t`` keys can get when tanh bounds Q and K.

    With every component of :math:`q` and :math:`k` in :math:`(-1, 1)`, a score
    :math:`q\cdot k/\sqrt d` lies in :math:`(-\sqrt d, \sqrt d)`. One key's weight is largest
    when its score is :math:`+\sqrt d` and the other :math:`t-1` scores are :math:`-\sqrt d`:

    .. math:: p_\max = \frac{e^{\sqrt d}}{e^{\sqrt d} + (t-1)\,e^{-\sqrt d}}
              = \frac{1}{1 + (t-1)\,e^{-2\sqrt d}} .

    Written with :math:`e^{-2\sqrt d} \le 1`, it cannot overflow for any ``d``.
    (A least upper bound: tanh never reaches :math:`\pm 1` exactly.)
    """
    return 1.0 / (1.0 + (t - 1) * math.exp(-2.0 * math.sqrt(d)))


MAX_ATTENTION_WEIGHT_CASES = (
    Case((16, 10), hint="a score is q.k / sqrt(d) with each q_i, k_i in (-1, 1): "
                        "the best key scores +sqrt(d), the t - 1 others -sqrt(d)."),
    Case((4, 10), hint="p_max = e^s / (e^s + (t - 1) e^-s) with s = sqrt(d)."),
    Case((1, 2), hint="one key against one other: 1 / (1 + e^(-2 sqrt(d)))."),
    Case((64, 1), hint="with a single key its weight is 1."),
    Case((1_000_000, 512),
         hint="for large d, e^(2 sqrt(d)) overflows; write the formula with e^(-2 sqrt(d)), "
              "which only underflows harmlessly to 0."),
    Case((2, 7), hint="p_max = 1 / (1 + (t - 1) e^(-2 sqrt(d))) for every d and t."),
    Case((300, 40), hint="p_max = 1 / (1 + (t - 1) e^(-2 sqrt(d))) for every d and t."),
    Case((9, 1000), hint="p_max = 1 / (1 + (t - 1) e^(-2 sqrt(d))) for every d and t."),
)


def check_max_attention_weight(candidate: Callable[[int, int], float]) -> None:
    """Check the learner's ``max_attention_weight(d, t)``, a Python float (float64); print
    the verdict."""
    check_function(candidate, max_attention_weight_solution, MAX_ATTENTION_WEIGHT_CASES,
                   title="max_attention_weight", rtol=1e-12, returns=float)


register(
    "max_attention_weight",
    checker=check_max_attention_weight,
    solution=max_attention_weight_solution,
    hints=(
        "What are the largest and smallest possible values of one score q.k / sqrt(d) when "
        "every component of q and k lies in (-1, 1)? Give the winner the largest score and "
        "every other key the smallest.",
        "Each score lies in (-sqrt(d), sqrt(d)). The softmax weight of the winner is "
        "e^s / (e^s + (t - 1) e^-s) with s = sqrt(d); divide numerator and denominator by e^s.",
        "return 1.0 / (1.0 + (t - 1) * math.exp(-2.0 * math.sqrt(d)))",
    ),
)


# --- the predict-then-run question --------------------------------------------------------

check_attention_tanh_entropy = question(
    "attention_tanh_entropy",
    options={
        "a": "both entropies fall towards 0: each query ends up attending to a single key",
        "b": "without tanh the entropy falls towards 0; with tanh it levels off well above 0",
        "c": "both level off at the same value, because softmax is shift-invariant",
    },
    answer="b",
    explanation=(
        "scaling x by s scales the raw scores by s^2, so without tanh the largest score wins "
        "by an ever wider margin and the row becomes one-hot (entropy -> 0). tanh caps every "
        "component of q and k at 1, so the scores stay in [-sqrt(D), sqrt(D)] however large "
        "x gets: the attention stays spread out."
    ),
    hints=(
        "How do the raw scores q.k / sqrt(D) grow when x is multiplied by s, with and "
        "without tanh?",
        "Without tanh the scores grow like s^2; with tanh each component of q and k is "
        "stuck in (-1, 1) once the input is large.",
    ),
)
