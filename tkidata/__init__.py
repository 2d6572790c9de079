"""Curated TKI-in-sarcoma evidence: schema, validating loader, selection and analysis.

See ARCHITECTURE.md ("tkidata") for the API and tkidata/README.md for the data layout.
"""

from tkidata.analyses.method import Method
from tkidata.analyses.pooling import (
    OutcomeResult,
    compare,
    hazard_ratios,
    pool_adverse_events,
    pool_outcome,
)
from tkidata.analyses.reproduction import reproduction_table
from tkidata.patient.filters import Filters
from tkidata.patient.selection import Selection, select_arms
from tkidata.patient.tiers import (
    patient_summary,
    patient_summary_frame,
    tiered_adverse_events,
    tiered_compare,
    tiered_outcome,
)
from tkidata.store.errors import DataValidationError, Problem
from tkidata.store.loader import DataVersion, Evidence, load
from tkidata.store.vocab import Vocab, load_vocab

__all__ = [
    "DataValidationError",
    "DataVersion",
    "Evidence",
    "Filters",
    "Method",
    "OutcomeResult",
    "Problem",
    "Selection",
    "Vocab",
    "compare",
    "hazard_ratios",
    "load",
    "load_vocab",
    "patient_summary",
    "patient_summary_frame",
    "pool_adverse_events",
    "pool_outcome",
    "reproduction_table",
    "select_arms",
    "tiered_adverse_events",
    "tiered_compare",
    "tiered_outcome",
]
