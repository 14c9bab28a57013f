"""Guided drafting interviews as data: field validation as typed, rules between answers, and
the document's text assembled from the answers.

A definition is ``{"service", "title_fa", "pages": [{"key", "title_fa", "fields": [...]}],
"rules": [...], "from_facts": {fact: field}, "case": {...}, "body_fa": [paragraphs]}``. A field
has ``key``, ``type`` (``FieldType``), ``label_fa``/``label_en``, ``required`` (default true),
``profile`` (the name under which the answer is kept on the citizen's profile and reused), and
for a choice its ``options``. A rule relates two answers: ``before`` (a date not after another),
``different`` (two national codes that must differ), ``not_future`` (a date not after today).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tanzim.common import formatting
from tanzim.common.identifiers import clean_national_code, parse_phone
from tanzim.common.jalali import parse_jalali
from tanzim.common.money_words import number_in_words
from tanzim.common.normalize import normalize_digits, normalize_free_text
from tanzim.consult.choices import FieldType
from tanzim.consult.trees import _text

MAX_TEXT = 300
MAX_LONG = 4000
MAX_AMOUNT = 10**15  # a quadrillion rials: more is a typing error
_SEPARATORS = str.maketrans("", "", ",،٬' _.")


def label(item: Mapping[str, Any]) -> str:
    return _text(item, "label")


def fields_of(definition: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["key"]: f for page in definition.get("pages", []) for f in page.get("fields", [])}


def page_of(definition: Mapping[str, Any], key: str) -> int:
    for index, page in enumerate(definition.get("pages", [])):
        if any(f["key"] == key for f in page.get("fields", [])):
            return index
    return 0


def clean_value(field: Mapping[str, Any], raw: Any, *, today: date) -> str:
    """The stored form of one typed answer ('' for an optional blank); ValidationError otherwise."""
    text = str(raw or "").strip()
    kind = field.get("type", FieldType.TEXT)
    if not text:
        if field.get("required", True):
            raise ValidationError(_("This field is required."), code="required")
        return ""
    if kind == FieldType.TEXT:
        text = normalize_free_text(text)
        if len(text) > MAX_TEXT:
            raise ValidationError(_("At most %(n)s characters.") % {"n": MAX_TEXT})
        return text
    if kind == FieldType.TEXTAREA:
        text = normalize_free_text(text)
        if len(text) > MAX_LONG:
            raise ValidationError(_("At most %(n)s characters.") % {"n": MAX_LONG})
        return text
    if kind == FieldType.NATIONAL_CODE:
        return clean_national_code(text)
    if kind == FieldType.MOBILE:
        return parse_phone(text)
    if kind == FieldType.AMOUNT:
        digits = normalize_digits(text).translate(_SEPARATORS)
        for word in ("ریال", "rials", "rial"):
            digits = digits.replace(word, "")
        digits = digits.strip()
        if not digits.isdigit():
            raise ValidationError(_("Enter the amount in rials, digits only."), code="invalid_amount")
        amount = int(digits)
        if amount <= 0:
            raise ValidationError(_("The amount must be more than zero."), code="amount_zero")
        if amount > MAX_AMOUNT:
            raise ValidationError(_("This amount is too large."), code="amount_too_large")
        return str(amount)
    if kind == FieldType.DATE:
        day = parse_jalali(text)
        if not field.get("future_ok") and day > today:
            raise ValidationError(_("This date is in the future."), code="date_in_future")
        return day.isoformat()
    if kind in (FieldType.CHOICE, FieldType.YESNO):
        values = (
            ["yes", "no"] if kind == FieldType.YESNO else [str(o["value"]) for o in field.get("options", [])]
        )
        if text not in values:
            raise ValidationError(_("Choose one of the answers."), code="invalid_choice")
        return text
    raise ValidationError(_("Unknown kind of answer."))


def check_rules(definition: Mapping[str, Any], answers: Mapping[str, str]) -> dict[str, list[str]]:
    """Answers that contradict each other: {field of the later answer: [message]}."""
    errors: dict[str, list[str]] = {}
    for rule in definition.get("rules", []):
        kind = rule.get("kind")
        if kind == "before":
            first, then = answers.get(rule["first"]), answers.get(rule["then"])
            if first and then and then < first:
                errors.setdefault(rule["then"], []).append(
                    _text(rule, "message") or _("The dates contradict each other.")
                )
        elif kind == "different":
            a, b = answers.get(rule["a"]), answers.get(rule["b"])
            if a and b and a == b:
                errors.setdefault(rule["b"], []).append(
                    _text(rule, "message") or _("These must be different people.")
                )
    return errors


def shown(field: Mapping[str, Any], value: str, language: str | None = None) -> str:
    """An answer as a reader sees it: a Jalali date, an amount with its words, a choice's label."""
    if not value:
        return ""
    kind = field.get("type")
    if kind == FieldType.DATE:
        return formatting.jalali_date(date.fromisoformat(value), "long", language)
    if kind == FieldType.AMOUNT:
        amount = int(value)
        return _("%(digits)s rials (%(words)s rials)") % {
            "digits": formatting.money(amount, language),
            "words": number_in_words(amount, language),
        }
    if kind in (FieldType.NATIONAL_CODE, FieldType.MOBILE):
        return formatting.digits(value, language)
    if kind == FieldType.YESNO:
        return _("Yes") if value == "yes" else _("No")
    if kind == FieldType.CHOICE:
        for option in field.get("options", []):
            if str(option["value"]) == value:
                return label(option)
    return value


class _Answers(dict):
    def __missing__(self, key: str) -> str:
        return "…"


def body(definition: Mapping[str, Any], answers: Mapping[str, str], language: str | None = None) -> list[str]:
    """The document's paragraphs with the answers in place (a missing answer shows as …)."""
    fields = fields_of(definition)
    values = _Answers({key: shown(fields[key], answers.get(key, ""), language) for key in fields})
    paragraphs = (paragraph.format_map(values).strip() for paragraph in _paragraphs(definition))
    return [p for p in paragraphs if p and p.strip("،,.: ")]


def _paragraphs(definition: Mapping[str, Any]) -> list[str]:
    english = definition.get("body_en") if not formatting.is_persian() else None
    return list(english or definition.get("body_fa") or [])


def title(definition: Mapping[str, Any], answers: Mapping[str, str]) -> str:
    fields = fields_of(definition)
    values = _Answers({key: shown(fields[key], answers.get(key, "")) for key in fields})
    return str(_text(definition.get("case", {}), "title")).format_map(values)


def validate_definition(definition: Any) -> list[str]:
    """What makes an interview definition unusable (the editor refuses it)."""
    if (
        not isinstance(definition, dict)
        or not isinstance(definition.get("pages"), list)
        or not definition["pages"]
    ):
        return [_("An interview needs at least one page.")]
    errors: list[str] = []
    seen: set[str] = set()
    for page in definition["pages"]:
        for field in page.get("fields", []):
            key = field.get("key")
            if not key or key in seen:
                errors.append(_("Each question needs its own key (“%(key)s”).") % {"key": key})
            seen.add(str(key))
            if field.get("type", FieldType.TEXT) not in FieldType.values:
                errors.append(_("Question “%(key)s” has an unknown type.") % {"key": key})
    for rule in definition.get("rules", []):
        for name in ("first", "then", "a", "b"):
            if name in rule and rule[name] not in seen:
                errors.append(_("A rule names an unknown question “%(key)s”.") % {"key": rule[name]})
    return errors
