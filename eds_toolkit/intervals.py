"""Confidence intervals of a proportion, the one copy the reports and the benchmarks share."""

from __future__ import annotations

import math

Z_95 = 1.959964  # the standard normal's 97.5th percentile: two-sided 95%


def wilson(count: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval (95% by default) of ``count`` out of ``n``; (0, 1) when ``n`` is 0.

    Unlike the normal approximation it stays inside [0, 1] and is not empty at 0 or n out of n."""
    if n == 0:
        return 0.0, 1.0
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
