"""A link on "My desk", as an app declares it in its own ``desk.py``.

``tanzim/web/desk.py`` collects the links of every app that has a ``desk.py`` (``links(user=,
scope=, offices=)`` and a ``TITLE``) into a section; the desk test opens every link of every persona.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DeskLink:
    label: Any  # a (lazy) translated string
    name: str  # the URL name, e.g. "consult:inbox"
    args: tuple[Any, ...] = ()
    primary: bool = False
