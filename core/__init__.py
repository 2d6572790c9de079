"""The proportion engine: pure statistics over numpy arrays, validated against R metafor.

Public API (see ARCHITECTURE.md, "core (engine)")::

    pool_proportions, pool_proportions_batch, pool_glmm, pool_subgroups, leave_one_out,
    egger_test, pool_medians, study_ci, ProportionPool, SubgroupPool, MedianPool, ...
    metareg, rma_mods, permutest, MetaRegression (meta-regression, core.metareg)
    cumulative, cumulative_rma, CumulativePool (cumulative meta-analysis, core.cumulative)
"""

from core.cumulative import CumulativePool, CumulativeStep, cumulative, cumulative_rma
from core.glmm import pool_glmm
from core.measures import MEASURES, escalc
from core.medians import pool_medians
from core.metareg import (
    MetaRegression,
    ModeratorError,
    PermutationTest,
    Prediction,
    metareg,
    permutest,
    rma_mods,
)
from core.pooling import BatchPool, pool_proportions, pool_proportions_batch
from core.results import (
    EggerResult,
    Estimate,
    ExcludedStudy,
    FunnelRow,
    MedianPool,
    MedianStudy,
    ProportionPool,
    StudyRow,
    SubgroupPool,
)
from core.sensitivity import egger_test, leave_one_out
from core.study_ci import study_ci
from core.subgroups import pool_subgroups

__all__ = [
    "MEASURES",
    "BatchPool",
    "CumulativePool",
    "CumulativeStep",
    "EggerResult",
    "Estimate",
    "ExcludedStudy",
    "FunnelRow",
    "MedianPool",
    "MedianStudy",
    "MetaRegression",
    "ModeratorError",
    "PermutationTest",
    "Prediction",
    "ProportionPool",
    "StudyRow",
    "SubgroupPool",
    "cumulative",
    "cumulative_rma",
    "egger_test",
    "escalc",
    "leave_one_out",
    "metareg",
    "permutest",
    "pool_glmm",
    "pool_medians",
    "pool_proportions",
    "pool_proportions_batch",
    "pool_subgroups",
    "rma_mods",
    "study_ci",
]
