"""One patient: which evidence answers them, and how sure it is.

- ``filters``: the patient and study filters (histology, line, design, regimen, age).
- ``selection``: which study arms and rows enter a pool, and which are left out and why.
- ``tiers``: the most direct evidence there is for each drug × outcome (direct → histology
  group → all sarcoma), the spine every page and export takes.
- ``certainty``: a provisional, GRADE-style certainty line per number.
- ``leading``: what each drug's first-screen card leads with.
"""
