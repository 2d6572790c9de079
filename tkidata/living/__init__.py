"""Living evidence: data releases, what changed between them, and how numbers evolved.

- ``releases``: what each release holds and what changed; the release files are in
  ``tkidata/releases/``.
- ``snapshot``: what a release records, computed from one tree of ``tkidata/`` (also run as a
  script against older checkouts).
- ``cli``: ``python -m tkidata release | releases | changes``.
- ``trends``: cumulative meta-analysis and meta-regression of a pooled proportion.
"""
