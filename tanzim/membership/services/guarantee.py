"""The guarantee step paid online: the deposit is held money, not a fee.

``guarantee_payment_open`` opens a held payment through finance (``payment_create_held`` with
``credit_purpose=GUARANTEES_HELD``): when the bank captures it, finance posts
Dr CLEARING / Cr GUARANTEES_HELD, and ``payment_captured`` reaches ``guarantee_paid``, which
completes the step (guarantee → licence) once. A replayed callback or a signal heard twice finds
the payment already attached and does nothing more.

The alternative stays: the applicant hands in a bank guarantee letter (reference and amount,
``step_submit``) and the Kanoon approves it (``step_approve``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tanzim.audit import services as audit
from tanzim.common.errors import ConflictError, PermissionDeniedError
from tanzim.finance.choices import AccountPurpose
from tanzim.membership.choices import Owner, Step
from tanzim.membership.models import Application
from tanzim.membership.workflows import may_act_as
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office

#: The deposit asked of every new office, in rials.
GUARANTEE_RIALS = 500_000_000
REFERENCE_TYPE = "membership.application"
SERVICE_CODE = "membership.guarantee"


def handling_office(application: Application) -> Office | None:
    """The office that takes the deposit through the gateway: the applicant has none yet, so the
    first active office of the chosen county, else of the province (by code)."""
    active = Office.objects.filter(status=OfficeStatus.ACTIVE).order_by("code")
    if application.place_id:
        found = active.filter(city_id=application.place.city_id).first()  # type: ignore[union-attr]
        if found is not None:
            return found
    return active.filter(province_id=application.province_id).first()


def guarantee_payment_open(*, application: Application, actor: Any) -> Any:
    """The applicant opens (or reopens) the online payment of the deposit; returns the Payment."""
    from tanzim.finance.services import payment_create_held

    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if not may_act_as(actor, application, Owner.APPLICANT):
            raise PermissionDeniedError()
        if application.status != Step.GUARANTEE:
            raise ConflictError(code="wrong_step")
        if application.guarantee_payment_id or application.submitted_at is not None:
            raise ConflictError(
                _("Your guarantee is already handed in; wait for the Kanoon."), code="guarantee_given"
            )
        office = handling_office(application)
        if office is None:
            raise ConflictError(
                _("Online payment is not available in your province yet; hand in a bank guarantee letter."),
                code="no_office",
            )
        return payment_create_held(
            office=office,
            payer=actor,
            amount=GUARANTEE_RIALS,
            credit_purpose=AccountPurpose.GUARANTEES_HELD,
            service_code=SERVICE_CODE,
            reference_type=REFERENCE_TYPE,
            reference_id=str(application.pk),
            idempotency_key=f"membership-guarantee:{application.pk}",
            actor=actor,
            return_url=reverse("membership:home"),
        )


def guarantee_paid(*, payment: Any) -> Application | None:
    """``payment_captured`` for a guarantee: attach it and complete the step, once."""
    from tanzim.membership.services.steps import move_by_system

    if (
        getattr(payment, "reference_type", "") != REFERENCE_TYPE
        or payment.credit_purpose != AccountPurpose.GUARANTEES_HELD
        or not payment.transaction_id
    ):
        return None
    with transaction.atomic():
        application = Application.objects.select_for_update().filter(pk=int(payment.reference_id)).first()
        if application is None or application.guarantee_payment_id == payment.pk:
            return application
        if application.status != Step.GUARANTEE or application.guarantee_payment_id:
            # Paid after the step was completed another way: the money stays held for a refund.
            audit.record(
                action="membership.guarantee.paid_late",
                obj=application,
                data={"payment": payment.pk, "amount": payment.amount},
            )
            return application
        Application.objects.filter(pk=application.pk).update(
            guarantee_payment=payment,
            guarantee_reference=payment.short_reference[:60],
            guarantee_amount=payment.amount,
        )
        application.refresh_from_db()
        return move_by_system(application, Step.LICENCE, expected_status=Step.GUARANTEE)
