"""The code scanner: find the catalogue's retiring identifiers in a source tree.

A pure package: nothing here imports Django, so the ``depcal-scan`` console script runs in a CI
job with no database. ``manage.py scan`` hands it the catalogue from the database;
``depcal-scan`` reads it from a depcal server's API or from a JSON export. The parts:

- ``catalogue``: the retirements and the names code may use for them (one loader for the
  export and the API, which share a shape);
- ``matcher``: one Aho-Corasick automaton over every identifier and alias, whole tokens only;
- ``walk``: the files to read (``.gitignore`` respected, binary and huge files skipped);
- ``report``: findings as text, JSON or SARIF 2.1.0;
- ``cli``: the command line shared by ``depcal-scan`` and ``manage.py scan``.
"""
