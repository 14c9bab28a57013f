"""Create or drop a PostgreSQL database for a test run: ``pgdb.py create|drop DB_URL ADMIN_URL``."""

import sys
from urllib.parse import urlparse

import psycopg


def main(action: str, db_url: str, admin_url: str) -> None:
    name = urlparse(db_url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing an unusual database name: {name!r}")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if action == "create":
            conn.execute(f'CREATE DATABASE "{name}"')
        else:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'DROP DATABASE IF EXISTS "test_{name}" WITH (FORCE)')


if __name__ == "__main__":
    main(*sys.argv[1:4])
