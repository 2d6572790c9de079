"""Analyses of the selected evidence, each calling the ``core`` engine.

- ``method``: pooling settings and the named presets that reproduce reference software.
- ``pooling``: outcomes and adverse events pooled per drug, hazard ratios listed.
- ``presets``: the same numbers under each preset, with divergence flags.
- ``sensitivity``: subgroups, leave-one-out, Egger's test.
- ``reproduction``: published pooled results beside the same pools recomputed here.
- ``evidence_table``: every study arm with its key outcomes (the Evidence page's table).
- ``coverage``: which patients get an answer, as ``python -m tkidata check`` prints it.
"""
