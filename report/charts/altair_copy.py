"""Altair's deep copy of chart objects, without visiting the properties nobody set.

Altair copies a chart's whole object tree whenever charts are layered or concatenated and again
when a spec is made (``SchemaBase.copy`` → ``altair.utils.schemapi._deep_copy``). Every schema
object carries all of its Vega-Lite properties, mostly ``Undefined`` (a mark definition: 89), and
the stock copy calls itself once per property: half of the time a page or a deck spends building
a chart. :func:`install` replaces that function with one that returns ``Undefined`` (a singleton,
which the stock copy returns unchanged too) without a call, and is otherwise the same code (same
types handled, same ``by_ref`` rule) but for one step: the copy is filled in directly rather than
built by its class. The stock copy calls the class's constructor with debug mode off, which for
a schema object only stores ``_args`` and ``_kwds``, and for a layered or concatenated chart
also moves data, parameters and sizes from the subcharts up to it: already done when the
original was built, so doing it again changes nothing, yet it was a third of a spec's time.

Installed only for the Altair version it was checked against (``requirements.txt``); under
another version the stock copy stays. ``tests/test_charts_builders.py`` checks that every chart
the chart tests build has the same spec with either copy.
"""

from __future__ import annotations

from typing import Any

import altair
from altair.utils import schemapi
from altair.utils.schemapi import SchemaBase, Undefined, debug_mode

CHECKED_VERSION = "6.3.0"
"""The Altair release whose ``_deep_copy`` this mirrors."""

STOCK_COPY = schemapi._deep_copy


def deep_copy(obj: Any, by_ref: set[str]) -> Any:
    """``altair.utils.schemapi._deep_copy`` that skips unset (``Undefined``) properties."""
    if isinstance(obj, SchemaBase):
        copier = getattr(obj, "__deepcopy__", None)
        if copier is not None:
            with debug_mode(False):
                return copier(obj)
        copied = object.__new__(type(obj))
        object.__setattr__(copied, "_args", tuple(deep_copy(arg, by_ref) for arg in obj._args))
        object.__setattr__(
            copied,
            "_kwds",
            {
                k: v if (v is Undefined or k in by_ref) else deep_copy(v, by_ref)
                for k, v in obj._kwds.items()
            },
        )
        return copied
    if isinstance(obj, list):
        return [deep_copy(v, by_ref) for v in obj]
    if isinstance(obj, dict):
        return {k: (deep_copy(v, by_ref) if k not in by_ref else v) for k, v in obj.items()}
    return obj


def install() -> bool:
    """Use :func:`deep_copy` for Altair's copies; True when installed (checked version only)."""
    if altair.__version__ != CHECKED_VERSION:
        return False
    schemapi._deep_copy = deep_copy
    return True
