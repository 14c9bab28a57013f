"""The packed file of a referral and its tracking reference."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tanzim.audit import services as audit
from tanzim.common.files import attachment_response
from tanzim.common.views import scoped_view
from tanzim.disputes import documents, selectors, services
from tanzim.disputes.forms import TrackingForm
from tanzim.disputes.models import Dispute, Referral
from tanzim.disputes.views._common import _act, _dispute


def _referral(dispute: Dispute, referral_id: int) -> Referral:
    referral = Referral.objects.filter(pk=referral_id, dispute=dispute).first()
    if referral is None:
        raise Http404()
    return referral


@scoped_view
@require_GET
def referral_file(request, pk: int, referral_id: int):
    dispute = _dispute(request, pk)
    access = selectors.access_for(dispute=dispute, user=request.user)
    if not (access.staff or access.reader):
        raise Http404()  # the office's file for the court: to a party, as if it did not exist
    referral = _referral(dispute, referral_id)
    audit.record_read(actor=request.user, obj=referral, office=dispute.office_id, purpose="referral file")
    return attachment_response(
        documents.referral_zip(referral=referral, language=request.LANGUAGE_CODE),
        content_type="application/zip",
        filename=f"referral-{dispute.reference}-{referral.pk}.zip",
    )


@scoped_view
@require_POST
def referral_tracking(request, pk: int, referral_id: int):
    dispute = _dispute(request, pk)
    referral = _referral(dispute, referral_id)
    form = TrackingForm(request.POST)
    return _act(
        request,
        pk,
        lambda d, data: services.referral_record_tracking(
            referral=referral, actor=request.user, tracking_reference=data["tracking_reference"]
        ),
        form=form,
        anchor="referrals",
        success=_("Tracking reference recorded."),
    )
