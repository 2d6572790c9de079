"""Curated TKI-in-sarcoma evidence: schema, validating loader, selection and analysis."""

from tkidata.errors import DataValidationError, Problem
from tkidata.loader import DataVersion, Evidence, load
from tkidata.vocab import Vocab, load_vocab

__all__ = [
    "DataValidationError",
    "DataVersion",
    "Evidence",
    "Problem",
    "Vocab",
    "load",
    "load_vocab",
]
