"""PostgreSQL databases of a test run: ``pgdb.py ACTION DB_URL ADMIN_URL [ARGUMENT]``.

- ``create`` (ARGUMENT: a template's name) makes the database, a copy of the template if given;
- ``drop`` drops it, and pytest-django's test databases named after it;
- ``exists`` exits 0 if it exists, 1 if not;
- ``rename`` (ARGUMENT: the new name) renames it, exit 1 if the new name is taken;
- ``prune`` drops every database whose name starts with DB_URL's, but those ARGUMENT names
  (comma-separated).
"""

import sys
from urllib.parse import urlparse

import psycopg


def _checked(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing an unusual database name: {name!r}")
    return name


def _like(prefix: str) -> str:
    return prefix.replace("_", r"\_") + "%"  # "_" is a wildcard in LIKE


def main(action: str, db_url: str, admin_url: str, argument: str = "") -> int:
    name = _checked(urlparse(db_url).path.lstrip("/"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if action == "create":
            copy = f' TEMPLATE "{_checked(argument)}"' if argument else ""
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
        elif action == "exists":
            return 0 if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() else 1
        elif action == "rename":
            try:
                conn.execute(f'ALTER DATABASE "{name}" RENAME TO "{_checked(argument)}"')
            except psycopg.errors.DuplicateDatabase:
                return 1
        elif action == "prune":
            keep = {n for n in argument.split(",") if n}
            found = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [_like(name)])
            for (db,) in found.fetchall():
                if db not in keep:
                    conn.execute(f'DROP DATABASE IF EXISTS "{_checked(db)}" WITH (FORCE)')
        elif action == "drop":
            # pytest-django's own test databases too: test_<name>, and test_<name>_gwN per xdist worker.
            found = conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", [_like(f"test_{name}")]
            )
            for (test_db,) in [(name,), *found.fetchall()]:
                conn.execute(f'DROP DATABASE IF EXISTS "{test_db}" WITH (FORCE)')
        else:
            raise SystemExit(f"unknown action: {action!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
