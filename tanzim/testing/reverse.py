"""``pytest -p tanzim.testing.reverse``: run the tests in the reverse of their usual order.

pytest-randomly (on by default) and pytest-reverse reorder before pytest-django groups the tests,
so the tests that run outside a transaction (and end with a flush) still come last. This reverses
after the grouping: they run first, and every test after them must still find the reference data.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.reverse()
