"""Settings for the test suite: the project's own, without what `make run` wrote to this
checkout's var/depcal.env (DEBUG=false, a port, mail settings), so that the suite behaves the
same before and after a `make run`. Processes the tests start inherit the variable."""

import os

os.environ["DEPCAL_IGNORE_CHECKOUT_CONFIG"] = "1"

from depcal.settings import *  # noqa: E402,F403
