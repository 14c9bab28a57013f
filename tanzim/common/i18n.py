"""Reference data named in both languages (``name_fa`` / ``name_en``): one helper picks the name."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language


def is_english(language: str | None = None) -> bool:
    return (language or get_language() or "fa").startswith("en")


def bilingual(obj: Any, field: str = "name", *, language: str | None = None) -> str:
    """``obj.<field>_en`` when the language is English and it is filled, else ``obj.<field>_fa``."""
    if is_english(language):
        english = getattr(obj, f"{field}_en", "")
        if english:
            return str(english)
    return str(getattr(obj, f"{field}_fa", ""))
