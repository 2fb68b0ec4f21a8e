"""``honcho`` as ``make run`` uses it (same arguments: ``start -f Procfile``), with Ctrl-C
during start-up fixed.

honcho starts each process from a helper it forks, and stops them on Ctrl-C by signalling
those that have reported their pid. Pressed while they start, Ctrl-C also reaches the helpers
(they share the terminal's process group and honcho's handler), which then fail with a
traceback, possibly after starting their process; and a process that reports its pid a
moment later is never signalled: honcho waits for it forever, the port held (each process runs
in a session of its own, so Ctrl-C does not reach it either). Here the helpers leave signals
to honcho, and a process that starts once stopping has begun is stopped as soon as it is known.
"""

import os
import signal
import sys

# Ctrl-C before honcho has started anything: stop quietly (no KeyboardInterrupt traceback).
signal.signal(signal.SIGINT, lambda signum, frame: sys.exit(128 + signum))

from honcho import command, manager  # noqa: E402  (after the handler: importing takes time)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# How long a process has to stop before SIGKILL. honcho's 5 s killed a worker that was
# finishing the fetch it had begun (an unreachable source alone takes a few seconds).
manager.KILL_WAIT = 20


class _Events:
    """honcho's event queue, seen by its loop: a process starting while the manager is
    stopping is sent what the others were sent."""

    def __init__(self, owner: manager.Manager, events):
        self._owner, self._events = owner, events

    def get(self, *args, **kwargs):
        msg = self._events.get(*args, **kwargs)
        if msg.type == "start" and self._owner._terminating:
            # started after the others were told to stop
            stop(msg.name, msg.data["pid"], self._owner)
        return msg

    def __getattr__(self, name):
        return getattr(self._events, name)


class Manager(manager.Manager):
    def loop(self):
        self.events = _Events(self, self.events)
        return super().loop()

    def _start(self):
        """Fork the helpers with a handler that only notes a signal (a Python handler, so the
        processes they exec get the default back); one that came meanwhile is then handled."""
        noted = []
        handlers = {s: signal.signal(s, lambda signum, frame: noted.append(signum))
                    for s in STOP_SIGNALS}
        events, self.events = self.events, self.events._events  # helpers write to the queue
        try:
            super()._start()
        finally:
            self.events = events
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
        for signum in noted[:1]:
            handlers[signum](signum, None)

    def _killall(self, force=False):
        """honcho's, for the processes that have reported their pid (the others are stopped
        when they do, see ``_Events``), and SIGTERM to the process itself, not its group."""
        for name, p in self._processes.items():
            if "returncode" in p or "pid" not in p:
                continue
            stop(name, p["pid"], self, force=force)


def stop(name: str, pid: int, owner: manager.Manager, *, force: bool = False) -> None:
    """SIGTERM to a process honcho started (the Procfile ``exec``s, so it is the server
    itself): gunicorn stops its workers, a celery worker lets its pool finish the running
    task (SIGTERM to the whole group, as honcho sends it, kills the pool processes mid-task,
    a WorkerLostError traceback each). Forced: SIGKILL to its whole group, as honcho does."""
    signum = signal.SIGKILL if force else signal.SIGTERM
    owner._system_print(f"sending {signum.name} to {name} (pid {pid})\n")
    try:
        (os.killpg if force else os.kill)(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass  # gone already


if __name__ == "__main__":
    command.Manager = Manager
    sys.exit(command.main())
