"""The identity step for people living abroad, before any legally binding act.

A person abroad has no Iranian SIM registered to their national code, so the sign-in code alone
does not show that the account holder is the person named. Before they sign a settlement or file
a claim themselves they either upload their passport or national ID card, or give the reference of
a verification done at an Iranian consulate; a clerk or manager of the office they chose checks it
and approves, or refuses with a reason (both audited, through the workflow engine). Until a check
is approved, ``require_identity`` refuses the act with a message naming the identity page.

People living in Iran are not asked: their mobile is registered to their national code. An act done
for a person by an office's staff, with the person in front of them, is not gated either.
"""

from __future__ import annotations

from typing import Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import IdentityMethod, IdentityStatus
from tanzim.accounts.models import IdentityCheck, User
from tanzim.accounts.permissions import COUNTER, scope_for
from tanzim.accounts.workflows import IDENTITY, identity_check_not_found
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.normalize import normalize_text
from tanzim.common.uploads import inspect_upload
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office

REFERENCE_MAX = 40
BAD_REFERENCE = _("Enter the consulate's reference as it is written (letters, digits, - or /; up to 40).")


class IdentityRequiredError(DomainError):
    """403 on the API; on a page, shown as a message next to the act (not the generic 403 page),
    so the person reads what to do and where."""

    status = 403
    code = "identity_required"


def identity_verified(user: User) -> bool:
    """True when the person need not (lives in Iran) or did (an approved check) prove who they are."""
    if not getattr(user, "resident_abroad", False):
        return True
    return IdentityCheck.objects.filter(user=user, status=IdentityStatus.APPROVED).exists()


def require_identity(user: User) -> None:
    """Refuse a legally binding act by a person abroad whose identity no office has checked yet."""
    if identity_verified(user):
        return
    raise IdentityRequiredError(
        _(
            "You live abroad, so an office must check your identity before you sign or file anything."
            " Send your passport or a consular reference on the identity page: %(url)s"
        )
        % {"url": reverse("web:identity")},
        code="identity_required",
    )


def identity_latest(user: User) -> IdentityCheck | None:
    return (
        IdentityCheck.objects.filter(user=user)
        .select_related("office")
        .order_by("-submitted_at", "-pk")
        .first()
    )


def _office(office_id: int | str | None) -> Office:
    office = (
        Office.objects.filter(pk=office_id or 0, status=OfficeStatus.ACTIVE).first()
        if str(office_id or "").isdigit()
        else None
    )
    if office is None:
        raise DomainError(
            _("Choose the office that should check your identity."),
            code="office_required",
            fields={"office": [_("Choose the office that should check your identity.")]},
        )
    return office


def identity_submit(
    *,
    user: User,
    office_id: int | str | None,
    method: str,
    upload: File[bytes] | None = None,
    reference: str = "",
) -> IdentityCheck:
    """Send a passport/ID upload or a consular reference to an office for checking."""
    if method not in IdentityMethod.values:
        raise DomainError(
            _("Choose how you prove your identity."),
            code="method_required",
            fields={"method": [_("Choose how you prove your identity.")]},
        )
    office = _office(office_id)
    check = IdentityCheck(user=user, office=office, method=method)
    content = None
    if method == IdentityMethod.DOCUMENT:
        if upload is None:
            raise DomainError(
                _("Attach a photo or scan of your passport or national ID card."),
                code="document_required",
                fields={"document": [_("Attach a photo or scan of your passport or national ID card.")]},
            )
        try:
            checked = inspect_upload(upload)
        except DomainError as exc:
            raise DomainError(exc.message, code=exc.code, fields={"document": [exc.message]}) from exc
        check.content_type, check.sha256, content = checked.content_type, checked.sha256, checked.content
    else:
        ref = normalize_text(reference or "").upper().replace(" ", "")
        if not ref or len(ref) > REFERENCE_MAX or not all(c.isalnum() or c in "-/" for c in ref):
            raise DomainError(BAD_REFERENCE, code="bad_reference", fields={"reference": [BAD_REFERENCE]})
        check.consular_reference = ref
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        if IdentityCheck.objects.filter(user=user, status=IdentityStatus.PENDING).exists():
            raise ConflictError(
                _("An office is already checking your identity; wait for its answer."), code="already_pending"
            )
        if content is not None:
            check.document.save("upload", ContentFile(content), save=False)
        try:
            with transaction.atomic():
                check.save()
        except IntegrityError as exc:  # a second tab's submission won
            raise ConflictError(
                _("An office is already checking your identity; wait for its answer."), code="already_pending"
            ) from exc
        audit.record(
            actor=user,
            action="accounts.identity.submitted",
            obj=check,
            office=office.pk,
            data={"method": method, "sha256": check.sha256, "reference": check.consular_reference},
        )
    return check


def identity_review(*, actor: User, check_id: int, approve: bool, reason: str = "") -> IdentityCheck:
    """An office's clerk or manager approves a check, or refuses it saying why (the person reads it)."""
    reason = normalize_text(reason or "")[:300]
    if not approve and not reason:
        raise DomainError(
            _("Say why the identity is refused; the person reads it."),
            code="reason_required",
            fields={"reason": [_("Say why the identity is refused; the person reads it.")]},
        )
    with transaction.atomic():
        check = IdentityCheck.objects.select_for_update().select_related("office").filter(pk=check_id).first()
        if check is None:
            raise identity_check_not_found()
        new = IdentityStatus.APPROVED if approve else IdentityStatus.REFUSED
        return _move(check, new, actor, reason)


def _move(check: IdentityCheck, new: str, actor: User, reason: str) -> IdentityCheck:
    changes: dict[str, Any] = {"reviewed_by": actor}
    if new == IdentityStatus.REFUSED:
        changes["refusal_reason"] = reason
    return transition(IDENTITY, check, new, actor=actor, reason=reason, changes=changes)


def identity_checks_to_review(*, user: User) -> list[IdentityCheck]:
    """Pending checks sent to the offices where ``user`` is a clerk or manager, oldest first."""
    scope = scope_for(user)
    qs = IdentityCheck.objects.filter(scope.offices_q(*COUNTER), status=IdentityStatus.PENDING)
    return list(qs.select_related("office", "user").order_by("submitted_at", "pk"))


def identity_check_for_staff(*, user: User, check_id: int) -> IdentityCheck:
    check = IdentityCheck.objects.select_related("office", "user").filter(pk=check_id).first()
    if check is None or not scope_for(user).can_act_for_office(check.office, *COUNTER):
        raise identity_check_not_found()
    return check
