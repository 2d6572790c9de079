"""Clinical wording: labels and number formats shared by every table, chart, slide and export."""

from __future__ import annotations

import numpy as np
import pytest

from tkidata import wording


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("orr", None), "Objective response rate (ORR)"),
        (("pfs_rate", 6), "PFS at 6 months"),
        (("os_rate", 12.0), "OS at 12 months"),
        (("pfs_median", None), "Median PFS"),
    ],
)
def test_outcome_labels(args: tuple, expected: str) -> None:
    assert wording.outcome_label(*args) == expected


def test_format_interval() -> None:
    assert wording.format_interval(0.2134, 0.15, 0.3) == "21.3% (15.0–30.0)"
    assert wording.format_interval(np.nan, 0.1, 0.2) == "—"
    assert wording.format_interval(7.8, 6.1, None, months=True) == "7.8 mo (CI not reported)"
