"""Altair's inline data for a pandas frame, made column by column.

When a spec is made (``to_dict``), Altair's default data transformer copies each frame, converts
it column by column to Python objects with pandas (``sanitize_pandas_dataframe``: NaN and ±inf
to ``None``, numpy numbers to Python numbers) and then lists its rows
(``DataFrame.to_dict("records")``): half of the time a deck spends making its specs. :func:`values`
makes the same rows from each column's numpy array in one pass, for the column types the charts
use (float64, int64, bool, string, nullable integer and boolean, object); a frame holding any
other type (dates, categories), more rows than Altair allows, or column names that are not
strings goes to Altair's own transformer, which converts it or raises as it always does.

Installed only for the Altair version it was checked against (``requirements.txt``), as
:mod:`report.charts.altair_copy`. ``tests/test_charts_builders.py`` checks that the rows equal
Altair's for every column type, and that every slide chart of a deck has the same spec.
"""

from __future__ import annotations

from typing import Any

import altair
import numpy as np
import pandas as pd
from altair.vegalite.data import default_data_transformer

CHECKED_VERSION = "6.3.0"
"""The Altair release whose data transformer this mirrors."""
NAME = "tki-values"
"""The name :func:`install` registers the transformer under."""
MAX_ROWS = 5000
"""Altair's default row limit: a larger frame goes to Altair's transformer, which refuses it."""

_PLAIN = (str, int, float, list, dict, np.ndarray, np.number, np.bool_)
"""What an object column may hold for :func:`values` (``bool`` is an ``int``)."""
_MASKED = ("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "boolean")


def _native(value: Any) -> Any:
    """A value of an object column as Altair writes it: arrays as lists, missing as None,
    numpy scalars as Python numbers."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def _column(col: pd.Series) -> list[Any] | None:
    """One column as Python objects, or None for a type left to Altair."""
    name = str(col.dtype)
    if name == "float64":
        arr = col.to_numpy()
        bad = (~np.isfinite(arr)).tolist()
        return [None if b else v for v, b in zip(arr.tolist(), bad, strict=True)]
    if name in ("int64", "bool"):
        return col.to_numpy().tolist()
    if name in ("str", "string") or name in _MASKED:
        return [_native(v) for v in col.to_numpy(dtype=object, na_value=None).tolist()]
    if name == "object":
        cells = col.to_numpy()
        if not all(v is None or v is pd.NA or isinstance(v, _PLAIN) for v in cells):
            return None  # dates, times and other objects: as Altair writes them
        return [_native(v) for v in cells]
    return None


def values(data: Any) -> Any:
    """Altair's default data transformer, the same rows made faster for a plain frame."""
    if not isinstance(data, pd.DataFrame) or len(data) > MAX_ROWS:
        return default_data_transformer(data)
    if isinstance(data.columns, (pd.RangeIndex, pd.MultiIndex)) or isinstance(
        data.index, pd.MultiIndex
    ):
        return default_data_transformer(data)
    names = list(data.columns)
    if not all(isinstance(n, str) for n in names):
        return default_data_transformer(data)
    columns = []
    for i in range(len(names)):
        converted = _column(data.iloc[:, i])
        if converted is None:
            return default_data_transformer(data)
        columns.append(converted)
    return {"values": [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]}


def install() -> bool:
    """Make :func:`values` Altair's data transformer; True when installed (checked version)."""
    if altair.__version__ != CHECKED_VERSION:
        return False
    altair.data_transformers.register(NAME, values)
    altair.data_transformers.enable(NAME)
    return True
