"""Create or drop a PostgreSQL database for a test run: ``pgdb.py create|drop DB_URL ADMIN_URL [TEMPLATE]``.

``create`` with a TEMPLATE (a database's name) makes the new database a copy of that one.
"""

import sys
from urllib.parse import urlparse

import psycopg


def _checked(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing an unusual database name: {name!r}")
    return name


def main(action: str, db_url: str, admin_url: str, template: str = "") -> None:
    name = _checked(urlparse(db_url).path.lstrip("/"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if action == "create":
            copy = f' TEMPLATE "{_checked(template)}"' if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
        else:
            # pytest-django's own test databases too: test_<name>, and test_<name>_gwN per xdist worker.
            pattern = r"test\_" + name.replace("_", r"\_") + "%"  # "_" is a wildcard in LIKE
            found = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [pattern])
            for (test_db,) in [(name,), *found.fetchall()]:
                conn.execute(f'DROP DATABASE IF EXISTS "{test_db}" WITH (FORCE)')


if __name__ == "__main__":
    main(*sys.argv[1:5])
