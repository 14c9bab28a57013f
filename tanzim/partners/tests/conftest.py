"""Fixtures for partners: the disputes tests' frozen clock (a working Saturday morning in Tehran)."""

from __future__ import annotations

import pytest
import time_machine

from tanzim.partners.choices import PartnerKind
from tanzim.testing.disputes import NOW
from tanzim.testing.partners import make_partner


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def council(db):
    return make_partner(PartnerKind.COUNCIL)


@pytest.fixture
def after_commit():
    """Run the after-commit callbacks registered so far, each once (tests never commit)."""
    from django.db import connection

    done = len(connection.run_on_commit)

    def run() -> None:
        nonlocal done
        while done < len(connection.run_on_commit):
            callback = connection.run_on_commit[done][1]
            done += 1
            callback()

    return run


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploads under a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
