"""Curated TKI-in-sarcoma evidence: schema, validating loader, selection and analysis.

See ARCHITECTURE.md ("tkidata") for the API and tkidata/README.md for the data layout.

Names are imported on first use (PEP 562), so ``import tkidata.wording`` or a page that only
reads cached results does not load the pooling engine (scipy) at start-up.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_HOME: dict[str, str] = {
    "OutcomeResult": "tkidata.analysis",
    "compare": "tkidata.analysis",
    "hazard_ratios": "tkidata.analysis",
    "pool_adverse_events": "tkidata.analysis",
    "pool_outcome": "tkidata.analysis",
    "DataValidationError": "tkidata.errors",
    "Problem": "tkidata.errors",
    "Filters": "tkidata.filters",
    "DataVersion": "tkidata.loader",
    "Evidence": "tkidata.loader",
    "load": "tkidata.loader",
    "Method": "tkidata.method",
    "reproduction_table": "tkidata.reproduction",
    "Selection": "tkidata.selection",
    "select_arms": "tkidata.selection",
    "Vocab": "tkidata.vocab",
    "load_vocab": "tkidata.vocab",
}
"""Public name → the module that defines it."""

__all__ = sorted(_HOME)

if TYPE_CHECKING:
    from tkidata.analysis import (
        OutcomeResult,
        compare,
        hazard_ratios,
        pool_adverse_events,
        pool_outcome,
    )
    from tkidata.errors import DataValidationError, Problem
    from tkidata.filters import Filters
    from tkidata.loader import DataVersion, Evidence, load
    from tkidata.method import Method
    from tkidata.reproduction import reproduction_table
    from tkidata.selection import Selection, select_arms
    from tkidata.vocab import Vocab, load_vocab


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    if name not in _HOME:
        raise AttributeError(f"module 'tkidata' has no attribute {name!r}")
    value = getattr(import_module(_HOME[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])
