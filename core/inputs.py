"""Validation of count inputs shared by every pooling entry point."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def as_counts(events: Sequence[float], n: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Check and convert event counts and sample sizes to float arrays (last axis = studies).

    Raises
    ------
    ValueError
        Shapes differ, no study, a count is negative, non-integer or non-finite, ``n < 1``, or
        ``events > n``. The message names the (first) offending study index.
    """
    x = np.asarray(events, dtype=float)
    nn = np.asarray(n, dtype=float)
    if x.shape != nn.shape:
        raise ValueError(f"events and n differ in shape: {x.shape} vs {nn.shape}")
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError("no studies")
    for name, arr in (("events", x), ("n", nn)):
        bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.round(arr))
        if bad.any():
            i = np.argwhere(bad)[0]
            raise ValueError(
                f"{name}[{_index(i)}]: {arr[tuple(i)]:g} is not a non-negative integer"
            )
    if (nn < 1).any():
        i = np.argwhere(nn < 1)[0]
        raise ValueError(f"n[{_index(i)}]: must be at least 1")
    if (x > nn).any():
        i = tuple(np.argwhere(x > nn)[0])
        raise ValueError(f"events[{_index(i)}]: {x[i]:g} > n = {nn[i]:g}")
    return x, nn


def _index(i: np.ndarray | tuple) -> str:
    return ", ".join(str(int(j)) for j in i)


def as_labels(labels: Sequence[str] | None, k: int) -> tuple[str, ...]:
    """Study labels as strings; ``Study 1 … Study k`` when none are given."""
    if labels is None:
        return tuple(f"Study {i + 1}" for i in range(k))
    out = tuple(str(s) for s in labels)
    if len(out) != k:
        raise ValueError(f"{len(out)} labels for {k} studies")
    return out
