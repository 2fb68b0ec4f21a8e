#!/usr/bin/env bash
# The services `make run` starts after its set-up steps, as tests/test_run_stops.py starts
# them too: honcho on the Procfile (scripts/procfile.py), its output passed through
# scripts/announce_when_up.py, which prints $DEPCAL_ANNOUNCE once everything answers.
# Usage: scripts/run_stack.sh PYTHON PORT
set -u
py=$1 port=$2
DEPCAL_PORT=$port "$py" scripts/procfile.py start -f Procfile 2>&1 |
  # Ctrl-C is for the services; the relay keeps passing their last lines through. Ignored
  # here, SIGINT stays ignored in Python from its first instruction (Python only installs its
  # KeyboardInterrupt handler when the signal is not ignored), so no traceback mid-import.
  (trap '' INT; exec "$py" scripts/announce_when_up.py --url "http://127.0.0.1:$port/")
