"""Importing the exam results: every row checked, then all applicants created or none."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.accounts.services import citizens_register_bulk
from tanzim.audit import services as audit
from tanzim.common.errors import DomainError, PermissionDeniedError
from tanzim.common.identifiers import clean_national_code, parse_phone
from tanzim.common.normalize import normalize_digits, normalize_text
from tanzim.membership.choices import STEP_DAYS, Step
from tanzim.membership.models import Application, ExamImport
from tanzim.notify.choices import Channel
from tanzim.notify.models import Message
from tanzim.notify.services import render
from tanzim.offices.models import Province

COLUMNS: tuple[str, ...] = ("national_code", "first_name", "last_name", "mobile", "province", "rank")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000


@dataclass(frozen=True)
class Row:
    line: int
    national_code: str
    first_name: str
    last_name: str
    mobile: str
    province: Province
    rank: int


def _refuse(errors: list[str]) -> DomainError:
    return DomainError(
        _("The file has errors; nothing was imported. Correct them and upload it again."),
        fields={"file": errors},
        code="import_invalid",
    )


def _read(content: bytes) -> tuple[list[str], list[list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse([str(_("The file is not UTF-8 text (save it as CSV UTF-8)."))]) from exc
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise _refuse([str(_("The file is empty."))])
    header = [normalize_text(cell).lower() for cell in rows[0]]
    return header, rows[1:]


def exam_rows_check(content: bytes) -> list[Row]:
    """The rows of an exam CSV, or a ``DomainError`` listing every problem by row number."""
    if len(content) > MAX_BYTES:
        raise _refuse([str(_("The file is larger than 2 MB."))])
    header, body = _read(content)
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        header_errors = []
        if missing:
            header_errors.append(str(_("Missing column(s): %(names)s.") % {"names": ", ".join(missing)}))
        if unknown:
            header_errors.append(str(_("Unknown column(s): %(names)s.") % {"names": ", ".join(unknown)}))
        header_errors.append(
            str(_("The first row must name the columns: %(names)s.") % {"names": ", ".join(COLUMNS)})
        )
        raise _refuse(header_errors)
    if len(body) > MAX_ROWS:
        raise _refuse([str(_("At most %(n)s rows at a time.") % {"n": MAX_ROWS})])
    provinces = {p.code: p for p in Province.objects.all()}
    taken = set(
        Application.objects.filter(
            national_code__in=[normalize_digits(r[header.index("national_code")]).strip() for r in body if r]
        ).values_list("national_code", flat=True)
    )
    seen: dict[str, int] = {}
    errors: list[str] = []
    rows: list[Row] = []
    for number, raw in enumerate(body, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) != len(header):
            errors.append(
                str(
                    _("Row %(row)s: it has %(n)s cells, not %(m)s.")
                    % {"row": number, "n": len(raw), "m": len(header)}
                )
            )
            continue
        cells = {name: normalize_text(value) for name, value in zip(header, raw, strict=True)}
        problems: list[str] = []
        code = ""
        try:
            code = clean_national_code(cells["national_code"])
        except ValidationError:
            problems.append(
                str(_("the national code %(code)s is not valid") % {"code": cells["national_code"]})
            )
        if code:
            if code in seen:
                problems.append(
                    str(
                        _("the national code %(code)s is also on row %(other)s")
                        % {"code": code, "other": seen[code]}
                    )
                )
            elif code in taken:
                problems.append(str(_("the national code %(code)s was imported before") % {"code": code}))
            seen.setdefault(code, number)
        mobile = ""
        try:
            mobile = parse_phone(cells["mobile"])
        except ValidationError:
            problems.append(str(_("the mobile %(mobile)s is not valid") % {"mobile": cells["mobile"]}))
        if not cells["first_name"] or not cells["last_name"]:
            problems.append(str(_("the name is missing")))
        province = provinces.get(cells["province"].upper())
        if province is None:
            problems.append(str(_("no province has the code %(code)s") % {"code": cells["province"]}))
        rank = int(cells["rank"]) if cells["rank"].isdigit() and int(cells["rank"]) > 0 else None
        if rank is None:
            problems.append(str(_("the rank %(rank)s is not a whole number") % {"rank": cells["rank"]}))
        if problems:
            errors.append(
                str(_("Row %(row)s: %(problems)s.") % {"row": number, "problems": "; ".join(problems)})
            )
            continue
        assert province is not None and rank is not None
        rows.append(Row(number, code, cells["first_name"], cells["last_name"], mobile, province, rank))
    if errors:
        raise _refuse(errors)
    if not rows:
        raise _refuse([str(_("The file has no applicants."))])
    return rows


def _admitted_messages(users: list[Any], now: Any) -> None:
    """The "you are admitted" SMS to everyone imported, written in one insert in the import's
    transaction (sent only if it commits). Notify's sweeper (``deliver_pending``) sends them, so
    the upload does not wait on 1,200 deliveries; the dedupe keys keep each person to one SMS."""
    keys = [f"membership-admitted:{user.pk}" for user in users]
    taken = set(Message.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    texts: dict[str, tuple[str, str]] = {}
    rows = []
    for user, key in zip(users, keys, strict=True):
        if key in taken:
            continue
        language = getattr(user, "preferred_language", None) or settings.LANGUAGE_CODE
        if language not in texts:
            texts[language] = render("membership.admitted", {}, language)
        subject, body = texts[language]
        rows.append(
            Message(
                channel=Channel.SMS,
                recipient=user,
                to=user.mobile,
                template="membership.admitted",
                language=language,
                subject=subject,
                body=body,
                dedupe_key=key,
                next_attempt_at=now,
            )
        )
    Message.objects.bulk_create(rows, batch_size=500)


@transaction.atomic
def exam_import(*, actor: Any, content: bytes, file_name: str, exam_year: int) -> ExamImport:
    """The Kanoon imports the exam's admitted applicants: each gets an account and a checklist."""
    if not is_kanoon(actor):
        raise PermissionDeniedError()
    rows = exam_rows_check(content)
    now = timezone.now()
    batch = ExamImport.objects.create(
        exam_year=exam_year, file_name=str(file_name)[:200], rows=len(rows), imported_by=actor
    )
    users = citizens_register_bulk(
        actor=actor,
        people=[
            {
                "national_code": row.national_code,
                "mobile": row.mobile,
                "first_name": row.first_name,
                "last_name": row.last_name,
            }
            for row in rows
        ],
        reason=f"membership.exam:{batch.pk}",
    )
    applications = [
        Application(
            exam_import=batch,
            user=users[row.national_code],
            national_code=row.national_code,
            full_name=f"{row.first_name} {row.last_name}",
            exam_rank=row.rank,
            province=row.province,
            status_changed_at=now,
            step_due=now + timedelta(days=STEP_DAYS[Step.DOCUMENTS]),
        )
        for row in rows
    ]
    Application.objects.bulk_create(applications, batch_size=500)
    _admitted_messages([users[row.national_code] for row in rows], now)
    audit.record(
        actor=actor,
        action="membership.exam.imported",
        obj=batch,
        data={"rows": len(rows), "file": batch.file_name, "year": exam_year},
    )
    return batch
