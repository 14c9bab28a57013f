"""Fixtures for disputes: a frozen clock and the after-commit callbacks.

The clock stands at Saturday 14 Azar 1405 (5 December 2026), 09:00 in Tehran: a working day.
The helpers that walk a dispute up the ladder are in ``tanzim/testing/disputes.py``.
"""

from __future__ import annotations

import pytest
import time_machine

from tanzim.testing.disputes import NOW


@pytest.fixture
def after_commit():
    """Run the after-commit callbacks (signals, PDF tasks) registered so far, each once.

    Tests run inside one transaction that never commits; this plays the commit's part.
    """
    from django.db import connection

    done = len(connection.run_on_commit)

    def run() -> None:
        nonlocal done
        while done < len(connection.run_on_commit):
            callback = connection.run_on_commit[done][1]
            done += 1
            callback()

    return run


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
