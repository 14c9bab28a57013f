"""The harness's own shortcuts: test databases copied from a template, one Chromium a process."""

from __future__ import annotations

import sqlite3

import pytest
from django.core.exceptions import SynchronousOnlyOperation
from django.db import connections
from django.db.utils import ConnectionHandler
from django.utils.asyncio import async_unsafe

from tanzim.offices.models import Province
from tanzim.testing.sqlite3.base import DatabaseCreation


def sqlite_test_database(template: str | None, alias: str) -> str:
    """The name of the test database the SQLite pass's backend makes (``alias``: the memory's name)."""
    test = {"NAME": ":memory:", **({"TEMPLATE": template} if template else {})}
    database = {"ENGINE": "tanzim.testing.sqlite3", "NAME": ":memory:", "TEST": test}
    wrapper = ConnectionHandler({"default": database, alias: database})[alias]
    assert isinstance(wrapper.creation, DatabaseCreation)
    return wrapper.creation._create_test_db(verbosity=0, autoclobber=True)


def test_an_sqlite_test_database_starts_as_a_copy_of_its_template(tmp_path):
    template = tmp_path / "template.sqlite3"
    with sqlite3.connect(template) as made:
        made.execute("CREATE TABLE django_migrations (app TEXT, name TEXT)")
        made.execute("INSERT INTO django_migrations VALUES ('offices', '0002_reference_data')")
    made.close()

    name = sqlite_test_database(str(template), "copied")
    # Another connection to the same in-memory database sees the copy: it outlives the copying.
    reader = sqlite3.connect(name, uri=True)
    assert reader.execute("SELECT app, name FROM django_migrations").fetchall() == [
        ("offices", "0002_reference_data")
    ]
    reader.close()

    empty = sqlite_test_database(None, "empty")
    reader = sqlite3.connect(empty, uri=True)
    assert reader.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    reader.close()


@pytest.mark.browser
def test_playwright_s_loop_runs_only_during_a_browser_test_and_the_browser_is_reused(chromium, monkeypatch):
    guarded = async_unsafe("a database call")(lambda: "done")
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    with chromium.running() as browser:
        with pytest.raises(SynchronousOnlyOperation):
            guarded()  # Playwright's loop runs in this thread while a browser test does
        page = browser.new_context().new_page()
        page.set_content('<p id="seen">1</p>')
        assert page.inner_text("#seen") == "1"
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # as the browser fixture ends a test
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE")
    assert guarded() == "done"  # every other test keeps Django's guard

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium.running() as again:
        assert again is browser and again.is_connected()
        assert again.contexts == []  # the last test's contexts (its cookies, its pages) are gone
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE")
    assert guarded() == "done"


@pytest.mark.browser
@pytest.mark.postgres  # SQLite's in-memory test database is never closed
@pytest.mark.django_db(transaction=True)
def test_database_work_during_a_browser_test_leaves_no_connection_open(chromium, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # as the browser fixture does
    with chromium.running():
        during = connections["default"]  # the running loop's own, not the test's
        assert Province.objects.exists()
        assert during.connection is not None
    # Left open, it would keep PostgreSQL from dropping the test database at the end of the run.
    assert during.connection is None
    assert connections["default"] is not during
