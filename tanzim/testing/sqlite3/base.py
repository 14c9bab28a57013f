"""SQLite for the test suite: Django's backend, with a test database copied from a template.

PostgreSQL makes a test database as a copy of ``TEST["TEMPLATE"]`` by itself (``CREATE DATABASE
... TEMPLATE``); this gives SQLite the same setting. scripts/test.sh migrates one template file
while the static checks run, and each test process then starts from a copy of it (SQLite's backup,
a few milliseconds) instead of applying every migration again: about 45 s a process, most of it
Django rendering the models' states between operations. Django's ``migrate`` still runs on the
copy and finds nothing left to apply, so a migration missing from the template would still run.

Used only by config/test_settings.py; without a template this is Django's backend unchanged.
"""

from __future__ import annotations

import sqlite3

from django.db.backends.sqlite3 import base, creation


class DatabaseCreation(creation.DatabaseCreation):
    # The in-memory test database lives as long as one connection to it is open.
    _keep_open: sqlite3.Connection | None = None

    def _create_test_db(self, verbosity, autoclobber, keepdb=False):
        name = super()._create_test_db(verbosity, autoclobber, keepdb)
        template = self.connection.settings_dict["TEST"].get("TEMPLATE")
        if template and not keepdb:
            source = sqlite3.connect(f"file:{template}?mode=ro", uri=True)
            target = sqlite3.connect(name, uri=True)
            try:
                source.backup(target)
            finally:
                source.close()
            if self.is_in_memory_db(name):
                self._keep_open = target
            else:
                target.close()
        return name


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation
