r"""Fit every coefficient set of :mod:`course_lib.kernels.vecmath` again, with mpmath.

Run from a shell::

    python -m course_lib.kernels.fit            # every set, about a minute (30 s of CPU)
    python -m course_lib.kernels.fit --quick    # all but the float64 Mills' ratio, 7 s
    python -m course_lib.kernels.fit exp64 mills32

Each set is fitted in 50-digit arithmetic, rounded to float64 and compared with
``vecmath.COEFFICIENTS`` bit for bit; the command prints the coefficients (ready to paste),
the maximum error of the rounded set and whether it equals the committed one, and exits
with status 1 if any set differs. The methods:

* **minimax** (Remez exchange): the polynomial of the given degree whose maximum relative
  (or absolute) error on the interval is smallest. It is unique, and the exchange is iterated
  until the levelled error and the largest error agree to 20 digits, so its float64
  rounding does not depend on the starting point or on the details of the iteration;
* **chebyshev**: the polynomial interpolating the function at the :math:`n+1` Chebyshev
  points of the interval (no iteration);
* **rational**: :math:`P/S` with :math:`S(0) = 1`, fitted to the relative error by weighted
  linearised least squares on a fixed grid of Chebyshev points, the weights updated by
  Lawson's rule (each weight times the point's error) for a fixed number of iterations.
  Deterministic, but an approximation of the minimax fit, not the fit itself.

Examples
--------
>>> coefficients = fit("expm1_32")["expm1_32"]
>>> coefficients == COEFFICIENTS["expm1_32"]
True
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mpmath import mp, mpf

from course_lib.kernels.vecmath import COEFFICIENTS
from course_lib.validation import choice

__all__ = [
    "SETS",
    "CoefficientSet",
    "chebyshev_interpolation",
    "fit",
    "main",
    "max_error",
    "minimax",
    "rational_lawson",
]

DIGITS = 50  # working precision of every fit


def _exp(r: mpf) -> mpf:
    return mp.exp(r)


def _expm1_ratio(r: mpf) -> mpf:
    """(e^r - 1 - r) / r^2 = sum r^k / (k+2)!, summed without cancellation (|r| < 1)."""
    term, total, k = mpf(1) / 2, mpf(0), 0
    while abs(term) > mpf(10) ** -(DIGITS + 5):
        total += term
        k += 1
        term = term * r / (k + 2)
    return total


def _artanh_ratio(w: mpf) -> mpf:
    """(artanh(s)/s - 1) / s^2 as a function of w = s^2: sum w^k / (2k + 3), for w <= 1/9."""
    total, power, k = mpf(0), mpf(1), 0
    while power > mpf(10) ** -(DIGITS + 5):
        total += power / (2 * k + 3)
        power *= w
        k += 1
    return total


def _log1p_ratio(u: mpf) -> mpf:
    return mp.log1p(u) / u if u != 0 else mpf(1)


def _mills_ratio(t: mpf) -> mpf:
    """R(t) = Q(t) / phi(t) = sqrt(pi/2) e^{t^2/2} erfc(t / sqrt 2)."""
    return mp.sqrt(mp.pi / 2) * mp.erfc(t / mp.sqrt(2)) * mp.exp(t * t / 2)


@dataclass(frozen=True)
class CoefficientSet:
    """How one set of ``vecmath.COEFFICIENTS`` is fitted.

    ``keys`` are the entries of ``vecmath.COEFFICIENTS`` it gives (two for a rational fit:
    numerator, denominator); ``interval`` holds the ends as text (numbers, ``log(2)/2``,
    ``1/9``), evaluated at the working precision; ``degree`` is ``(m, n)`` for a rational
    fit.
    """

    name: str
    keys: tuple[str, ...]
    function: Callable[[mpf], mpf]
    description: str
    interval: tuple[str, str]
    degree: int | tuple[int, int]
    method: str  # "minimax", "chebyshev" or "rational"
    relative: bool = True
    points: int = 0  # rational fits: grid size
    iterations: int = 0  # rational fits: Lawson iterations
    quick: bool = True


#: Every coefficient set of the kernels, by name.
SETS: dict[str, CoefficientSet] = {
    s.name: s
    for s in (
        CoefficientSet("exp64", ("exp64",), _exp, "e^r", ("-log(2)/2", "log(2)/2"), 10,
                       "minimax"),
        CoefficientSet("exp32", ("exp32",), _exp, "e^r", ("-log(2)/2", "log(2)/2"), 5,
                       "minimax"),
        CoefficientSet("expm1_64", ("expm1_64",), _expm1_ratio, "(e^r - 1 - r)/r^2",
                       ("-log(2)/2", "log(2)/2"), 9, "chebyshev"),
        CoefficientSet("expm1_32", ("expm1_32",), _expm1_ratio, "(e^r - 1 - r)/r^2",
                       ("-log(2)/2", "log(2)/2"), 4, "chebyshev"),
        CoefficientSet("atanh64", ("atanh64",), _artanh_ratio,
                       "(artanh(s)/s - 1)/s^2 in w = s^2", ("0", "1/9"), 8, "minimax",
                       relative=False),
        CoefficientSet("log1p_ratio32", ("log1p_ratio32",), _log1p_ratio, "log(1 + u)/u",
                       ("0", "1"), 7, "minimax"),
        CoefficientSet("mills64", ("mills_p64", "mills_s64"), _mills_ratio,
                       "Mills' ratio Q(t)/phi(t)", ("0", "40"), (8, 9), "rational",
                       points=600, iterations=60, quick=False),
        CoefficientSet("mills32", ("mills_p32", "mills_s32"), _mills_ratio,
                       "Mills' ratio Q(t)/phi(t)", ("0", "15"), (3, 4), "rational",
                       points=200, iterations=60),
    )
}


def _polyval(coefficients: Sequence[mpf], x: mpf) -> mpf:
    """sum(coefficients[i] * x**i), by Horner's rule."""
    result = mpf(0)
    for c in reversed(coefficients):
        result = result * x + c
    return result


def _golden_maximum(g: Callable[[mpf], mpf], lo: mpf, hi: mpf, tol: mpf) -> mpf:
    """The point of [lo, hi] where the unimodal ``g`` is largest, by golden-section search."""
    ratio = (mp.sqrt(5) - 1) / 2
    x1, x2 = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    g1, g2 = g(x1), g(x2)
    for _ in range(400):
        if hi - lo <= tol:
            break
        if g1 > g2:
            hi, x2, g2 = x2, x1, g1
            x1 = hi - ratio * (hi - lo)
            g1 = g(x1)
        else:
            lo, x1, g1 = x1, x2, g2
            x2 = lo + ratio * (hi - lo)
            g2 = g(x2)
    return (lo + hi) / 2


def minimax(
    f: Callable[[mpf], mpf], a: mpf, b: mpf, degree: int, relative: bool = True,
    max_iterations: int = 50,
) -> tuple[list[mpf], mpf]:
    """The minimax polynomial of ``degree`` for ``f`` on [a, b], by the Remez exchange.

    Returns the coefficients (lowest degree first) and the levelled error. With
    ``relative``, the error is :math:`(p - f)/f` (``f`` must not vanish on [a, b]). The
    exchange stops when the levelled error and the largest error agree to 40% of the working
    digits (20 of the 50 used by :func:`fit`); the extrema are located to 45% of them.

    Examples
    --------
    >>> with mp.workdps(30):
    ...     c, error = minimax(mp.exp, mpf(0), mpf(1), 1, relative=False)
    >>> mp.nstr(c[1], 15), mp.nstr(c[0], 15)  # e - 1 and (e - (e-1) log(e-1))/2
    ('1.71828182845905', '0.894066583742217')
    """
    n = degree
    weight = (lambda x: 1 / f(x)) if relative else (lambda x: mpf(1))
    reference = [(a + b) / 2 - (b - a) / 2 * mp.cos(mp.pi * i / (n + 1)) for i in range(n + 2)]
    grid = [(a + b) / 2 - (b - a) / 2 * mp.cos(mp.pi * i / (40 * n)) for i in range(40 * n + 1)]
    tol = mpf(10) ** (-0.45 * mp.dps) * (b - a)
    agree = mpf(10) ** (-0.4 * mp.dps)
    for _ in range(max_iterations):
        # p(x_i) + (-1)^i E / w(x_i) = f(x_i): n + 2 equations for n + 1 coefficients and E.
        rows = [[x**j for j in range(n + 1)] + [(-1) ** i / weight(x)]
                for i, x in enumerate(reference)]
        solution = mp.lu_solve(mp.matrix(rows), mp.matrix([f(x) for x in reference]))
        coefficients, level = [solution[j] for j in range(n + 1)], abs(solution[n + 1])

        def error(x, c=coefficients):
            return (_polyval(c, x) - f(x)) * weight(x)

        values = [error(x) for x in grid]
        # The largest |error| of each run of equal sign, refined between its grid neighbours.
        runs: list[list[int]] = [[0]]
        for i in range(1, len(grid)):
            if (values[i] >= 0) == (values[runs[-1][0]] >= 0):
                runs[-1].append(i)
            else:
                runs.append([i])
        extrema = []
        for run in runs:
            i = max(run, key=lambda k: abs(values[k]))
            if i in (0, len(grid) - 1):
                extrema.append(grid[i])
                continue
            sign = 1 if values[i] >= 0 else -1
            extrema.append(_golden_maximum(lambda x, s=sign: s * error(x),
                                           grid[i - 1], grid[i + 1], tol))
        if len(extrema) < n + 2:
            raise RuntimeError(f"Remez: the error has {len(extrema)} extrema, expected n + 2")
        # Keep the n + 2 consecutive extrema whose smallest |error| is largest.
        start = max(range(len(extrema) - n - 1),
                    key=lambda k: min(abs(error(x)) for x in extrema[k:k + n + 2]))
        reference = extrema[start:start + n + 2]
        largest = max(abs(v) for v in values + [error(x) for x in extrema])
        if largest - level <= level * agree:
            return coefficients, level
    raise RuntimeError("Remez: no convergence")


def chebyshev_interpolation(f: Callable[[mpf], mpf], a: mpf, b: mpf,
                            degree: int) -> list[mpf]:
    """The polynomial interpolating ``f`` at the ``degree + 1`` Chebyshev points of [a, b].

    Examples
    --------
    >>> with mp.workdps(30):
    ...     c = chebyshev_interpolation(lambda x: 1 - 2 * x + x**3, mpf(-1), mpf(2), 3)
    >>> [float(mp.chop(v, 1e-20)) for v in c]
    [1.0, -2.0, 0.0, 1.0]
    """
    n = degree
    nodes = [(a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (2 * i + 1) / (2 * n + 2))
             for i in range(n + 1)]
    rows = [[x**j for j in range(n + 1)] for x in nodes]
    solution = mp.lu_solve(mp.matrix(rows), mp.matrix([f(x) for x in nodes]))
    return [solution[j] for j in range(n + 1)]


def rational_lawson(
    f: Callable[[mpf], mpf], a: mpf, b: mpf, m: int, n: int, points: int, iterations: int
) -> tuple[list[mpf], list[mpf]]:
    r"""Numerator (degree m) and denominator (degree n, constant term 1) of :math:`P/S \approx f`.

    Minimises the relative error on ``points`` Chebyshev points of [a, b] (``a >= 0``) by
    linearised weighted least squares: each iteration solves
    :math:`\min \sum_i w_i \big((P(t_i) - f_i S(t_i)) / (f_i S_{\text{prev}}(t_i))\big)^2`,
    then multiplies each weight by the point's relative error (Lawson). The variable is
    scaled to ``t/b`` while solving, for conditioning.

    Examples
    --------
    >>> with mp.workdps(30):
    ...     p, s = rational_lawson(lambda t: (1 + 2 * t) / (1 + t * t), mpf(0), mpf(3), 1, 2,
    ...                            20, 3)
    >>> [float(mp.chop(v, 1e-20)) for v in p + s]
    [1.0, 2.0, 1.0, 0.0, 1.0]
    """
    nodes = [(a + b) / 2 - (b - a) / 2 * mp.cos(mp.pi * (i + mpf(1) / 2) / points)
             for i in range(points)]
    values = [f(t) for t in nodes]
    scaled = [t / b for t in nodes]
    weights = [mpf(1) / points] * points
    previous = [mpf(1)] * points
    for _ in range(iterations):
        rows, rhs = [], []
        for u, fu, s, w in zip(scaled, values, previous, weights, strict=True):
            d = mp.sqrt(w) / (fu * s)
            rows.append([u**j * d for j in range(m + 1)]
                        + [-fu * u**j * d for j in range(1, n + 1)])
            rhs.append(fu * d)
        matrix = mp.matrix(rows)
        solution = mp.lu_solve(matrix.T * matrix, matrix.T * mp.matrix(rhs))
        p = [solution[j] for j in range(m + 1)]
        s = [mpf(1)] + [solution[m + 1 + j] for j in range(n)]
        previous = [_polyval(s, u) for u in scaled]
        errors = [abs(_polyval(p, u) / (su * fu) - 1)
                  for u, su, fu in zip(scaled, previous, values, strict=True)]
        weights = [w * e for w, e in zip(weights, errors, strict=True)]
        total = mp.fsum(weights)
        if total == 0:  # an exact fit
            break
        weights = [w / total for w in weights]
    return [c / b**j for j, c in enumerate(p)], [c / b**j for j, c in enumerate(s)]


_BOUNDS = {"log(2)/2": lambda: mp.log(2) / 2, "-log(2)/2": lambda: -mp.log(2) / 2,
           "1/9": lambda: mpf(1) / 9}


def _interval(spec: CoefficientSet) -> tuple[mpf, mpf]:
    """The interval's ends at the working precision."""
    a, b = (_BOUNDS[text]() if text in _BOUNDS else mpf(text) for text in spec.interval)
    return a, b


def fit(name: str) -> dict[str, tuple[float, ...]]:
    """Fit the set ``name`` of :data:`SETS`; its coefficients rounded to float64, by key."""
    spec = SETS[name]
    with mp.workdps(DIGITS):
        a, b = _interval(spec)
        if spec.method == "minimax":
            sets = [minimax(spec.function, a, b, spec.degree, spec.relative)[0]]
        elif spec.method == "chebyshev":
            sets = [chebyshev_interpolation(spec.function, a, b, spec.degree)]
        else:
            m, n = spec.degree
            sets = list(rational_lawson(spec.function, a, b, m, n, spec.points,
                                        spec.iterations))
        return {key: tuple(float(c) for c in cs) for key, cs in zip(spec.keys, sets, strict=True)}


def max_error(name: str, coefficients: dict[str, tuple[float, ...]], points: int = 4000) -> float:
    """The largest error (relative or absolute, as the set is fitted) of float64
    ``coefficients`` for set ``name``, on ``points`` points of its interval (mpmath)."""
    spec = SETS[name]
    with mp.workdps(DIGITS):
        a, b = _interval(spec)
        cs = [[mpf(c) for c in coefficients[key]] for key in spec.keys]
        worst = mpf(0)
        for i in range(points + 1):
            x = a + (b - a) * i / points
            value = _polyval(cs[0], x) / (_polyval(cs[1], x) if len(cs) == 2 else 1)
            exact = spec.function(x)
            worst = max(worst, abs(value - exact) / (abs(exact) if spec.relative else 1))
        return float(worst)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point of ``python -m course_lib.kernels.fit``."""
    parser = argparse.ArgumentParser(
        prog="python -m course_lib.kernels.fit",
        description="Fit the kernels' coefficients again and compare them with the committed.",
    )
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"sets to fit (default all): {', '.join(SETS)}")
    parser.add_argument("--quick", action="store_true", help="skip the slow sets")
    args = parser.parse_args(argv)
    for name in args.names:
        try:
            choice(name, "coefficient set", list(SETS))
        except ValueError as exc:
            parser.error(str(exc))
    names = args.names or [n for n in SETS if SETS[n].quick or not args.quick]
    all_same = True
    for name in names:
        spec = SETS[name]
        start = time.perf_counter()
        coefficients = fit(name)
        seconds = time.perf_counter() - start
        same = all(coefficients[key] == COEFFICIENTS[key] for key in spec.keys)
        all_same &= same
        kind = "relative" if spec.relative else "absolute"
        print(f"{name}: {spec.method} fit of {spec.description} on [{spec.interval[0]}, "
              f"{spec.interval[1]}], degree {spec.degree}; max {kind} error "
              f"{max_error(name, coefficients):.2e}; {seconds:.1f} s; "
              f"{'equals the committed set' if same else 'DIFFERS from the committed set'}")
        for key in spec.keys:
            print(f'    "{key}": ({", ".join(repr(c) for c in coefficients[key])}),')
    return 0 if all_same else 1


if __name__ == "__main__":
    sys.exit(main())
