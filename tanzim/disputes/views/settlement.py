"""The settlement editor (terms and one row per obligation), signing, and the report's PDF."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tanzim.audit import services as audit
from tanzim.common.errors import DomainError
from tanzim.common.files import attachment_response, file_redirect
from tanzim.common.forms import RialsField
from tanzim.common.jalali import format_jalali, parse_jalali
from tanzim.common.views import run_service, scoped_view
from tanzim.disputes import documents, selectors, services
from tanzim.disputes.choices import PartyRole, SettlementStatus
from tanzim.disputes.forms import SettlementTermsForm, SignForm, VoidForm
from tanzim.disputes.models import Dispute
from tanzim.disputes.views._common import _act, _detail, _dispute, _int


def _obligation_rows(request, count: int) -> tuple[list[dict], list[str], list[dict]]:
    """Rows of the settlement editor: what to pass to the service, errors, and what to show again."""
    rows: list[dict] = []
    errors: list[str] = []
    shown: list[dict] = []
    amount_field = RialsField(required=False)
    for i in range(min(count, 60)):
        raw = {
            "obligor": request.POST.get(f"o{i}-obligor", ""),
            "kind": request.POST.get(f"o{i}-kind", "payment"),
            "description": (request.POST.get(f"o{i}-description") or "").strip(),
            "amount": (request.POST.get(f"o{i}-amount") or "").strip(),
            "due_date": (request.POST.get(f"o{i}-due_date") or "").strip(),
        }
        if not (raw["description"] or raw["amount"] or raw["due_date"]):
            continue
        shown.append(raw)
        item = {"obligor": raw["obligor"], "kind": raw["kind"], "description": raw["description"]}
        n = len(rows) + 1
        try:
            item["amount"] = amount_field.clean(raw["amount"])
        except ValidationError as exc:
            errors.append(_("Row %(n)s: %(error)s") % {"n": n, "error": " ".join(exc.messages)})
            item["amount"] = None
        try:
            item["due_date"] = parse_jalali(raw["due_date"]) if raw["due_date"] else None
        except ValidationError as exc:
            errors.append(_("Row %(n)s: %(error)s") % {"n": n, "error": " ".join(exc.messages)})
            item["due_date"] = None
        rows.append(item)
    return rows, errors, shown


def _field_errors(exc: DomainError) -> list[str]:
    texts: list[str] = []
    for key, errors in exc.fields.items():
        parts = key.split(".")
        prefix = (
            _("Row %(n)s") % {"n": int(parts[1]) + 1} + ": " if len(parts) > 1 and parts[1].isdigit() else ""
        )
        texts.extend(prefix + str(e) for e in (errors if isinstance(errors, list) else [errors]))
    return texts or [str(exc.message)]


@scoped_view
@require_http_methods(["GET", "POST"])
def settlement_edit(request, pk: int):
    """The mediator writes the settlement report: terms and one row per obligation (instalments…)."""
    dispute = _dispute(request, pk)
    access = selectors.access_for(dispute=dispute, user=request.user)
    if not (access.staff or access.convener):
        raise PermissionDenied()
    settlement = selectors.live_settlement(dispute=dispute)
    if settlement is not None and settlement.status != SettlementStatus.DRAFT:
        messages.warning(request, _("This settlement is already out for signing. Void it to change it."))
        return _detail(dispute, "settlement")
    errors: list[str] = []
    terms_form = SettlementTermsForm(
        request.POST or None, initial={"terms": settlement.terms if settlement else ""}
    )
    if request.method == "POST":
        rows, errors, shown = _obligation_rows(request, _int(request.POST.get("rows")) or 0)
        terms_form.is_valid()
        if not errors:
            try:
                saved = services.settlement_draft(
                    dispute=dispute,
                    actor=request.user,
                    terms=terms_form.cleaned_data.get("terms", ""),
                    obligations=rows,
                )
            except DomainError as exc:
                errors = _field_errors(exc)
            else:
                if request.POST.get("then") == "open":
                    run_service(
                        request,
                        None,
                        lambda: services.settlement_open(settlement=saved, actor=request.user),
                        success=_("The settlement is out for signing; both parties were told by SMS."),
                    )
                else:
                    messages.success(request, _("Draft saved."))
                return _detail(dispute, "settlement")
    else:
        shown = [
            {
                "obligor": o.obligor.role,
                "kind": o.kind,
                "description": o.description,
                "amount": str(o.amount or ""),
                "due_date": format_jalali(o.due_date, persian_digits=False),
            }
            for o in (
                settlement.obligations.select_related("obligor").order_by("position") if settlement else []
            )
        ]
    blank = {
        "obligor": PartyRole.RESPONDENT,
        "kind": "payment",
        "description": "",
        "amount": "",
        "due_date": "",
    }
    rows_shown = shown + [dict(blank) for _n in range(max(2, 4 - len(shown)))]
    return render(
        request,
        "disputes/settlement_edit.html",
        {
            "dispute": dispute,
            "terms_form": terms_form,
            "rows": rows_shown,
            "errors": errors,
            "parties": {p.role: p for p in dispute.parties.all()},
            "example_due": format_jalali(timezone.localdate() + timedelta(days=30), persian_digits=False),
        },
    )


def _live_settlement_or_404(dispute: Dispute):
    settlement = selectors.live_settlement(dispute=dispute)
    if settlement is None:
        raise Http404()
    return settlement


@scoped_view
@require_POST
def settlement_open(request, pk: int):
    dispute = _dispute(request, pk)
    settlement = _live_settlement_or_404(dispute)
    return _act(
        request,
        pk,
        lambda d: services.settlement_open(settlement=settlement, actor=request.user),
        anchor="settlement",
        success=_("The settlement is out for signing; both parties were told by SMS."),
    )


@scoped_view
@require_POST
def settlement_void(request, pk: int):
    dispute = _dispute(request, pk)
    settlement = _live_settlement_or_404(dispute)
    form = VoidForm(request.POST)
    return _act(
        request,
        pk,
        lambda d, data: services.settlement_void(
            settlement=settlement, actor=request.user, reason=data["reason"]
        ),
        form=form,
        anchor="settlement",
        success=_("The settlement was voided."),
    )


@scoped_view
@require_POST
def settlement_code(request, pk: int):
    dispute = _dispute(request, pk)
    settlement = _live_settlement_or_404(dispute)
    role = request.POST.get("party", "")
    if role not in PartyRole.values:
        raise Http404()

    def send(d):
        sent = services.settlement_request_code(settlement=settlement, party=role, actor=request.user)
        if sent.already_signed:
            messages.info(request, _("This party has already signed."))
        else:
            messages.success(
                request, _("A signing code was sent to %(mobile)s.") % {"mobile": sent.masked_mobile}
            )

    return _act(request, pk, send, anchor="settlement")


@scoped_view
@require_POST
def settlement_sign(request, pk: int):
    dispute = _dispute(request, pk)
    settlement = selectors.live_settlement(dispute=dispute) or selectors.signed_settlement(dispute=dispute)
    if settlement is None:
        raise Http404()

    def sign(d, data):
        result = services.settlement_sign(
            settlement=settlement, party=data["party"], actor=request.user, code=data["code"]
        )
        (messages.info if result.already_signed else messages.success)(request, result.message)

    return _act(request, pk, sign, form=SignForm(request.POST), anchor="settlement")


@scoped_view
@require_GET
def settlement_pdf(request, pk: int):
    """The signed report as stored; a draft is rendered on the fly and marked as one."""
    dispute = _dispute(request, pk)
    settlement = selectors.signed_settlement(dispute=dispute) or selectors.live_settlement(dispute=dispute)
    if settlement is None:
        raise Http404()
    if settlement.status == SettlementStatus.SIGNED and not settlement.pdf:
        services.settlement_store_pdf(settlement_id=settlement.pk)
        settlement.refresh_from_db()
    filename = f"settlement-{dispute.reference}-v{settlement.number}.pdf"
    if settlement.pdf:
        audit.record_read(actor=request.user, obj=settlement, office=dispute.office_id, purpose="settlement")
        return file_redirect(
            settlement, user=request.user, field="pdf", content_type="application/pdf", filename=filename
        )
    content = documents.settlement_pdf(settlement=settlement, language=request.LANGUAGE_CODE)
    return attachment_response(content, content_type="application/pdf", filename=f"draft-{filename}")


@scoped_view
@require_POST
def fee_pay(request, pk: int):
    """Pay the resolution fee: the claimant goes to the gateway (a fresh attempt if the last one
    expired); the office's staff go to the payment's page to record it at the counter."""
    from django.shortcuts import redirect
    from django.urls import reverse

    from tanzim.finance import services as finance

    dispute = _dispute(request, pk)
    ready = run_service(
        request, None, lambda: services.resolution_fee_pay(dispute=dispute, actor=request.user)
    )
    if not ready.ok:
        return _detail(dispute, "settlement")
    payment = ready.value
    if payment.status == "pending" and payment.payer_id == request.user.pk:
        started = run_service(request, None, lambda: finance.payment_start(payment=payment))
        if started.ok:
            return redirect(started.value)
    return redirect(reverse("finance:payment", kwargs={"ref": payment.uuid}))
