"""The identity step for people abroad: the person's page, and the office's queue and check.

The rules live in ``tanzim.accounts.identity``; these views only read the form and show answers.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tanzim.accounts import identity as ident
from tanzim.accounts.choices import IdentityMethod, IdentityStatus
from tanzim.audit import services as audit
from tanzim.common.errors import DomainError, NotFoundError
from tanzim.common.files import file_redirect
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office


def _errors(exc: DomainError) -> dict[str, list[str]]:
    return {k: [str(m) for m in v] for k, v in (exc.fields or {}).items()} or {"form": [str(exc.message)]}


@login_required
def identity(request):
    """A person's identity step: where it stands, and the form to send a document or a reference."""
    user = request.user
    errors: dict[str, list[str]] = {}
    values = {"method": IdentityMethod.DOCUMENT, "office": "", "reference": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            ident.identity_submit(
                user=user,
                office_id=values["office"],
                method=values["method"],
                upload=request.FILES.get("document"),
                reference=values["reference"],
            )
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Sent. The office checks it and you will see its answer here."))
            return redirect("web:identity")
    offices = Office.objects.filter(status=OfficeStatus.ACTIVE).select_related("city").order_by("code")
    return render(
        request,
        "web/identity.html",
        {
            "latest": ident.identity_latest(user),
            "verified": ident.identity_verified(user),
            "offices": offices,
            "methods": IdentityMethod.choices,
            "values": values,
            "errors": errors,
            "Status": IdentityStatus,
        },
        status=400 if errors else 200,
    )


@login_required
@require_GET
def identity_queue(request):
    """The checks sent to the offices where the reader is a clerk or manager."""
    return render(
        request, "web/identity_queue.html", {"checks": ident.identity_checks_to_review(user=request.user)}
    )


def _staff_check(request, pk: int):
    try:
        return ident.identity_check_for_staff(user=request.user, check_id=pk)
    except NotFoundError as exc:
        raise Http404 from exc


@login_required
def identity_review(request, pk: int):
    """One check: the office reads the document or reference and approves, or refuses saying why."""
    check = _staff_check(request, pk)
    errors: dict[str, list[str]] = {}
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        approve = request.POST.get("decision") == "approve"
        try:
            ident.identity_review(actor=request.user, check_id=check.pk, approve=approve, reason=reason)
        except NotFoundError as exc:
            raise Http404 from exc
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(
                request,
                _("Identity verified.") if approve else _("Identity refused; the person is told why."),
            )
            return redirect("web:identity-queue")
    return render(
        request,
        "web/identity_review.html",
        {"check": check, "errors": errors, "reason": reason, "Status": IdentityStatus},
        status=400 if errors else 200,
    )


@login_required
@require_POST
def identity_document(request, pk: int):
    """The uploaded passport or ID card, for the office checking it (each reading is logged)."""
    check = _staff_check(request, pk)
    if not check.document:
        raise Http404
    audit.record_read(actor=request.user, obj=check, office=check.office_id, purpose="identity check")
    return file_redirect(
        check,
        user=request.user,
        filename=f"identity-{check.pk}{check.extension}",
        content_type=check.content_type,
        field="document",
    )
