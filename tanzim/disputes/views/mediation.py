"""Sessions (set and recorded), proposed times, and documents."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tanzim.common.files import file_redirect
from tanzim.common.views import scoped_view
from tanzim.disputes import selectors, services
from tanzim.disputes.forms import DocumentForm, PastSessionForm, ProposalForm, SessionForm, SessionRecordForm
from tanzim.disputes.models import Session
from tanzim.disputes.views._common import _act, _dispute


@scoped_view
@require_POST
def session_new(request, pk: int):
    """Set a session ahead, or (``past``) enter one that already took place with its outcome."""
    if request.POST.get("past"):
        past = PastSessionForm(request.POST, prefix="past")
        return _act(
            request,
            pk,
            lambda d, data: services.session_record_past(
                dispute=d,
                actor=request.user,
                starts_at=past.starts_at(),
                minutes=data["minutes"],
                mode=data["mode"],
                location=data["location"],
                status=data["status"],
                result=data["result"],
                claimant_attended=data["claimant_attended"],
                respondent_attended=data["respondent_attended"],
                notes=data["notes"],
            ),
            form=past,
            form_key="past_session",
            anchor="sessions",
            success=_("The session was entered with what happened."),
        )
    form = SessionForm(request.POST)
    return _act(
        request,
        pk,
        lambda d, data: services.session_schedule(
            dispute=d,
            actor=request.user,
            starts_at=form.starts_at(),
            minutes=data["minutes"],
            mode=data["mode"],
            location=data["location"],
        ),
        form=form,
        form_key="session",
        anchor="sessions",
        success=_("Session set; both parties were told by SMS."),
    )


@scoped_view
@require_POST
def session_record(request, pk: int, session_id: int):
    dispute = _dispute(request, pk)
    session = Session.objects.filter(pk=session_id, dispute=dispute).first()
    if session is None:
        raise Http404()
    form = SessionRecordForm(request.POST)
    return _act(
        request,
        pk,
        lambda d, data: services.session_record(
            session=session,
            actor=request.user,
            status=data["status"],
            result=data["result"],
            claimant_attended=data["claimant_attended"],
            respondent_attended=data["respondent_attended"],
            notes=data["notes"],
        ),
        form=form,
        form_key="record",
        opened=f"record-{session.pk}",
        anchor="sessions",
        success=_("Recorded."),
    )


@scoped_view
@require_POST
def proposal_new(request, pk: int):
    form = ProposalForm(request.POST)
    return _act(
        request,
        pk,
        lambda d, data: services.proposal_create(
            dispute=d, actor=request.user, times=form.times(), note=data["note"]
        ),
        form=form,
        form_key="proposal",
        anchor="sessions",
        success=_("Your proposed times were sent to the office."),
    )


@scoped_view
@require_POST
def document_new(request, pk: int):
    form = DocumentForm(request.POST, request.FILES)
    return _act(
        request,
        pk,
        lambda d, data: services.document_add(
            dispute=d, actor=request.user, upload=data["file"], title=data["title"], shared=data["shared"]
        ),
        form=form,
        form_key="document",
        anchor="documents",
        success=_("Document added."),
    )


@scoped_view
@require_GET
def document_download(request, pk: int, document_id: int):
    dispute = _dispute(request, pk)
    document = selectors.document_open_for(user=request.user, dispute=dispute, document_id=document_id)
    return file_redirect(
        document,
        user=request.user,
        content_type=document.content_type,
        filename=f"{dispute.reference}-{document.pk}{document.extension}",
    )
