"""``python -m depcal_scan``: the same as the ``depcal-scan`` command."""

import sys

from depcal_scan.cli import main

sys.exit(main())
