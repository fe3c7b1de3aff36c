"""A second implementation of every dashboard figure, for the tests only (issue 20).

Plain Python over plain rows (``rows.py`` reads them from the domain tables), straight from
docs/metrics.md, sharing no code with ``dashboards.rollups``, ``dashboards.selectors`` or
``quotas.periods``: its own calendar (``calendar.py``), its own figures (``figures.py``). A wrong
definition in the app then shows as a difference, which ``rollups verify`` (the same definitions
twice) cannot catch.
"""
