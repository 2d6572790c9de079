"""Comparative evidence for one patient from the randomised comparisons (``comparisons.csv``).

Pure functions of the :class:`~tkidata.store.loader.Evidence` and the patient's
:class:`~tkidata.patient.filters.Filters` (no streamlit); each returns a frozen object or a
DataFrame with a ``*_table`` twin for a page table and its download. Every view takes one report per
trial (:data:`~tkidata.comparative.evidence.TRIAL_KEY`). API: ``tkidata/README.md``.

- ``evidence``: the randomised trials that speak to one patient, one report per trial.
- ``absolute``: absolute benefit and harm of each comparison.
- ``indirect``: anchored indirect comparisons (network meta-analysis).
- ``transitivity``: how the trials differ in what modifies the effect.
- ``cinema``: the certainty of each comparison in CINeMA's six domains.
- ``rob``: risk of bias (RoB 2) of the trials; ``standing``: guideline and regulatory standing.
"""

from tkidata.comparative.absolute import absolute_effects, absolute_table, harms, harms_table
from tkidata.comparative.cinema import (
    CLINICAL_HR_RANGE,
    certainty_table,
    comparison_certainty,
    drug_headlines,
)
from tkidata.comparative.evidence import (
    RandomisedEvidence,
    randomised_evidence,
    randomised_table,
)
from tkidata.comparative.indirect import (
    IndirectComparisons,
    NetworkComponent,
    histology_matched,
    indirect_comparisons,
    league_table,
    network_table,
)
from tkidata.comparative.transitivity import transitivity_reader_table, transitivity_table

__all__ = [
    "CLINICAL_HR_RANGE",
    "IndirectComparisons",
    "NetworkComponent",
    "RandomisedEvidence",
    "absolute_effects",
    "absolute_table",
    "certainty_table",
    "comparison_certainty",
    "drug_headlines",
    "harms",
    "harms_table",
    "histology_matched",
    "indirect_comparisons",
    "league_table",
    "network_table",
    "randomised_evidence",
    "randomised_table",
    "transitivity_reader_table",
    "transitivity_table",
]
