"""What the dispute pages share: the dispute in the user's scope, the way back to its page, and
one POSTed action run through ``run_service`` with its refusal shown as a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from tanzim.accounts.permissions import COUNTER
from tanzim.accounts.selectors import scope_for
from tanzim.common.views import run_service
from tanzim.disputes import selectors
from tanzim.disputes.models import Dispute
from tanzim.offices.models import Office

BOARD_PAGE = 50


def _detail(dispute_or_pk, anchor: str = ""):
    pk = getattr(dispute_or_pk, "pk", dispute_or_pk)
    return redirect(reverse("disputes:detail", kwargs={"pk": pk}) + (f"#{anchor}" if anchor else ""))


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


def _dispute(request, pk) -> Dispute:
    return selectors.dispute_get_for(user=request.user, pk=pk)


def _staff_offices(user) -> list[Office]:
    scope = scope_for(user)
    ids = set().union(*(scope.office_ids.get(r, ()) for r in COUNTER))
    return list(Office.objects.filter(pk__in=ids).order_by("code"))


def _act(
    request, pk, action, *, form=None, anchor: str = "", success: str = "", form_key: str = "", opened=""
):
    """Run one service for a POSTed action (``run_service``) and go back to the dispute's page.

    ``action`` receives the dispute (and the form's cleaned data when there is a ``form``). A
    refusal is shown there as a message; a refused form named by ``form_key`` (its key in the
    page's ``forms``) is shown again on the page, open (``opened``, else ``form_key``), with what
    was typed and its errors, rather than dropped by a redirect.
    """
    dispute = _dispute(request, pk)
    if form is None:
        outcome = run_service(request, None, lambda: action(dispute), success=success)
    else:
        outcome = run_service(request, form, lambda data: action(dispute, data), success=success)
        if not outcome.ok and form_key:
            from tanzim.disputes.views.detail import detail_page

            return detail_page(
                request, _dispute(request, pk), bound={form_key: form}, opened=opened or form_key
            )
        if not outcome.ok:
            _form_errors(request, form)
    return _detail(dispute, anchor)


def _int(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 12 else None
