"""The data's fixed codes: designs, lines and their ranges, assessments, outcomes, grades.

Plain tuples and dicts, importable without pandera: the pages, pooling and wording need the codes
on every start, the table models (:mod:`tkidata.store.schema`) only when data are validated.
"""

from __future__ import annotations

DESIGNS = ("rct_arm", "single_arm", "retrospective", "case_report")
REGIMENS = ("monotherapy", "maintenance", "combination")
LINES = ("first", "second", "later", "first_second", "second_later", "any")
"""Line ranges an arm enrolled: one line, or a span (``second_later``: after >=1 prior line)."""
LINE_RANGES: dict[str, tuple[int, int]] = {
    "first": (1, 1),
    "second": (2, 2),
    "later": (3, 99),
    "first_second": (1, 2),
    "second_later": (2, 99),
    "any": (1, 99),
}
"""Line code -> (first, last) treatment line it spans; 3 stands for third or later."""
ASSESSMENTS = ("bor", "week", "km", "crude")
"""How a proportion was read: best overall response, status at a fixed week, Kaplan-Meier
landmark, crude proportion at a visit."""
RESPONSE_ASSESSMENTS = ("bor", "week")
RATE_ASSESSMENTS = ("km", "crude", "week")
SEARCH_DECISIONS = ("included", "excluded", "duplicate", "overlapping")
EXCLUSION_REASONS = (
    "not_sarcoma",
    "other_drug",
    "no_outcomes",
    "review",
    "case_report",
    "protocol",
    "preclinical",
    "not_readable",
    "off_topic",
    "not_separable",
)
"""Why a record was excluded. ``not_separable``: readable and reporting outcomes, but only for a
cohort that mixes what is pooled apart here (another drug, or monotherapy with combination and
maintenance), with no result of the drug or regimen on its own."""
HISTOLOGY_GROUPS = ("sts", "bone", "mixed")
AGE_GROUPS = ("adult", "paediatric", "mixed")
EXTRACTION_LEVELS = (
    "full_text",
    "abstract",
    "conference_abstract",
    "registry",
    "secondary",
    "quoted",
)
"""How deep a study (or one row) was read. ``secondary``: a review's table or a news report of
the study; ``quoted``: only figures quoted in passing in another paper's text (its discussion),
not a report of the study itself."""
SECONDARY_LEVELS = ("secondary", "quoted")
"""Levels at which a number was read only in a source other than the study's own report."""
QUALITY_TOOLS = ("MINORS", "JBI", "RoB2", "NOS")
PROPORTION_OUTCOMES = ("orr", "dcr")
RATE_OUTCOMES = ("pfs_rate", "os_rate")
MEDIAN_OUTCOMES = ("pfs_median", "os_median")
HR_OUTCOMES = ("hr_pfs", "hr_os")
"""Hazard ratios of an experimental arm vs its control (``comparisons.csv``)."""
OUTCOMES = PROPORTION_OUTCOMES + MEDIAN_OUTCOMES + RATE_OUTCOMES
"""Per-arm facts (``outcomes.csv``); hazard ratios live in ``comparisons.csv``."""
POOLED_OUTCOMES = PROPORTION_OUTCOMES + MEDIAN_OUTCOMES + RATE_OUTCOMES
PUBLISHED_OUTCOMES = (*POOLED_OUTCOMES, "ae")
TIMEPOINTS = (3, 6, 9, 12, 24)
DENOMINATORS = ("enrolled", "evaluable", "safety", "other")
NOT_REACHED = ("median", "upper")
GRADES = ("any", "3plus")
SETTINGS = ("treatment", "maintenance")
"""A randomised comparison's setting: treatment of advanced disease, or maintenance after it."""
REVIEWS = ("central", "investigator")
"""Who assessed progression for a hazard ratio: blinded central review or the investigators."""
CONTROLS = ("placebo", "dacarbazine", "doxorubicin", "placebo + epirubicin", "same drug alone")
"""The control treatments of the randomised comparisons, as the app names them."""
ROB_OUTCOMES = ("hr_pfs", "hr_os", "all")
"""What a risk-of-bias judgement is about: one hazard ratio, or every outcome of the trial."""
ROB_DOMAINS = (
    "randomisation",
    "deviations",
    "missing_data",
    "measurement",
    "selective_reporting",
    "overall",
)
"""RoB 2's five domains and its overall judgement (Sterne et al., BMJ 2019;366:l4898)."""
ROB_JUDGEMENTS = ("low", "some_concerns", "high")
GUIDELINE_BODIES = ("ESMO", "ESMO-MCBS", "NCCN", "CSCO", "FDA", "EMA", "NMPA", "PMDA", "other")
REGULATORS = ("FDA", "EMA", "NMPA", "PMDA")
"""Bodies whose standing is a marketing authorisation rather than a recommendation."""
GUIDELINE_STATUSES = ("verified", "not_verified")
"""``verified``: a page read states the standing; ``not_verified``: looked for, no page read
states it (the standing stays empty)."""
