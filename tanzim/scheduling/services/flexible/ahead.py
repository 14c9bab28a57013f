"""A piece of a solve computed ahead, in a forked child process, while the solve goes on.

OR-Tools holds the interpreter lock through a flow, so a second thread cannot use the machine's
second core while the first flow runs; a child process can. ``mcf.solve`` starts the warm start
(the aggregated problem, ``mcf.warm_start``) in a child as it begins and solves its first flow
meanwhile; where that flow leaves many requests out it takes the child's answer, otherwise it stops
the child.

The child is a ``fork`` of the solve (Linux): it sees the problem as it is, computes one function,
sends its answer back through a pipe (pickled, with the CPU seconds it took) and ends with
``os._exit`` (no clean-up of the parent's state: its database connections, files and threads stay
the parent's). It never touches the database. Whatever goes wrong in it (an exception, the child
killed, no ``fork`` on the platform), ``result`` answers None and the caller computes the same
function itself: the answer is the same either way, only the time differs. A child whose answer is
never asked for is stopped when its ``Ahead`` is (``cancel``) or when that is garbage-collected (an
exception in the solve).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import time
import weakref
from collections.abc import Callable
from typing import Any

from tanzim.scheduling.services.flexible import dense

#: Compute ahead in a child process where the platform can fork (False: always in line).
ENABLED = hasattr(os, "fork")


def _stop(pid: int, fd: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.close(fd)
    with contextlib.suppress(ChildProcessError):  # (reaped elsewhere: a SIGCHLD handler)
        os.waitpid(pid, 0)


class Ahead:
    """``fn(*args)`` running in a forked child (``start``); ``result()`` waits for its answer."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd = pid, fd
        self._stop = weakref.finalize(self, _stop, pid, fd)

    @classmethod
    def start(cls, fn: Callable[..., Any], *args: Any) -> Ahead | None:
        """The child started, or None where it could not be (no ``fork``, or it failed)."""
        if not ENABLED:
            return None
        dense.stop_threads()  # (a child would have none of the pool's threads)
        try:
            read, write = os.pipe()
            pid = os.fork()
        except OSError:  # pragma: no cover - out of file descriptors, processes or memory
            return None
        if pid == 0:  # pragma: no cover - the child (coverage is not collected there)
            os.close(read)
            try:
                # (In two threads too: the parent's first flow takes one core, its waiting none.)
                answer = (True, fn(*args), time.process_time())
            except BaseException:
                answer = (False, None, 0.0)  # the parent computes it itself
            try:
                with os.fdopen(write, "wb") as out:
                    pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
            finally:
                os._exit(0)
        os.close(write)
        return cls(pid, read)

    def result(self) -> tuple[Any, float] | None:
        """The child's answer and its CPU seconds, once it has finished; None if it failed."""
        self._stop.detach()
        try:
            with os.fdopen(self.fd, "rb") as data:
                # (our own child's pickle, through a pipe only the two processes hold)
                ok, answer, cpu = pickle.load(data)  # noqa: S301
        except Exception:  # the child died before it answered: end of file, or a cut pickle
            ok, answer, cpu = False, None, 0.0
        finally:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
        return (answer, cpu) if ok else None

    def cancel(self) -> None:
        """Stop the child (its answer is not needed)."""
        self._stop()
