"""The store: the curated data and how it is read, checked and loaded.

- ``codes``: the fixed codes (designs, lines, assessments, outcomes, grades).
- ``vocab``: controlled vocabularies (drugs and colours, histologies, AE terms, synonyms).
- ``schema``: pandera models of the data tables.
- ``reading``: strict CSV reading that keeps every record's line number.
- ``validate``: typed tables and every validation problem; ``errors``: how problems are told.
- ``rob_rules``: the RoB 2 rules validation needs.
- ``loader``: every batch folder loaded, validated and versioned into an ``Evidence``.
- ``user_studies``: a session's own "what if" studies, as one more batch.

The store is the bottom of ``tkidata``: it imports no other part of it.
"""
