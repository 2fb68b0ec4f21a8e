"""depcal-scan: find the catalogue's retiring model names in a source tree.

A package of its own (no Django), so a CI job installs only a matcher and a file walker. The
depcal server depends on it: ``manage.py scan`` hands it the catalogue from the database,
``depcal-scan`` reads it from a depcal server or a JSON export. The parts:

- ``retirements``: the catalogue's entries and the names code may use for them;
- ``server``: talking to a depcal server (pages, cache, limits);
- ``spellings``: how code writes a name (provider prefixes, ``@`` versions, Bedrock ids);
- ``matcher``: one RE2 pass over a file's bytes for every name in every spelling;
- ``context``: whether a name that is also a word is used as a model id where it stands;
- ``walk``: the files to read, as git sees them;
- ``suppress``: ``depcal: ignore`` comments and baselines;
- ``engine``: the scan itself, on every core;
- ``report``: findings as text, JSON or SARIF 2.1.0;
- ``cli``: the command line shared by ``depcal-scan`` and ``manage.py scan``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("depcal-scan")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
