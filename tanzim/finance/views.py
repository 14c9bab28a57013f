"""Money pages: payments, the simulated bank, statements, the Kanoon's view, public transparency.

Views parse input, call one service or selector (through ``run_service``), and render. A refusal
goes onto the form, or becomes a message when the form was posted from another page;
out-of-scope objects are a 404.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core import signing
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tanzim.accounts.models import User
from tanzim.accounts.permissions import COUNTER, FINANCE_READERS, has_role, is_kanoon, scope_for
from tanzim.audit import services as audit
from tanzim.catalog.fees import fee_quote
from tanzim.catalog.selectors import service_get, service_list
from tanzim.common import charts, ratelimit
from tanzim.common.errors import DomainError
from tanzim.common.http import client_ip
from tanzim.common.jalali import JalaliMonth
from tanzim.common.normalize import normalize_text
from tanzim.common.views import domain_errors_as_http, flash_form_errors, run_service, scoped_view
from tanzim.finance import documents, selectors, services
from tanzim.finance.api import REFUSED_LIMIT, REFUSED_SCOPE, REFUSED_WINDOW
from tanzim.finance.choices import GatewayOutcome, PaymentStatus
from tanzim.finance.forms import (
    CounterForm,
    DirectPaymentForm,
    RefundForm,
    SettlementForm,
    free_service_ground_values,
)
from tanzim.finance.gateways import simulated
from tanzim.finance.models import FreeServiceGrant, Payment
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office, Province

DIRECT_REFERENCE = "finance.direct"


def _nav(user) -> dict:
    return {"finance_staff": has_role(user, *FINANCE_READERS), "finance_kanoon": is_kanoon(user)}


def _page(request, template: str, context: dict, status: int = 200):
    return render(request, template, {**_nav(request.user), **context}, status=status)


def _message_for(exc: DomainError) -> str:
    if exc.fields:
        parts = [
            str(m)
            for errors in exc.fields.values()
            for m in (errors if isinstance(errors, list) else [errors])
        ]
        return " ".join([str(exc.message), *parts]) if exc.code != "invalid" else " ".join(parts)
    return str(exc.message)


def _month_or_404(year: int, month: int) -> tuple[int, int]:
    if not 1300 <= year <= 1600 or not 1 <= month <= 12:
        raise Http404()
    return year, month


# --- payments ---------------------------------------------------------------------------


@scoped_view
def payment_list(request):
    payments = selectors.with_service_names(selectors.payment_list_for(user=request.user))
    status = request.GET.get("status") or ""
    if status in PaymentStatus.values:
        payments = payments.filter(status=status)
    page = Paginator(payments.order_by("-created_at", "-pk"), 25).get_page(request.GET.get("page"))
    return _page(
        request,
        "finance/payment_list.html",
        {"page": page, "status": status, "statuses": PaymentStatus.choices},
    )


@scoped_view
@require_http_methods(["GET", "POST"])
def payment_new(request):
    services_ = list(service_list())
    initial = {"office": (request.GET.get("office") or "")[:12], "service": request.GET.get("service") or ""}
    is_staff = _nav(request.user)["finance_staff"]
    missions = services.missions_open_for(offices=_counter_office_ids(request.user)) if is_staff else []
    form = DirectPaymentForm(
        request.POST or None,
        request.FILES or None,
        services=services_,
        initial=initial,
        staff=is_staff,
        missions=missions,
    )
    if request.method == "POST":
        done = run_service(request, form, lambda data: _open_direct_payment(request.user, data))
        if done.ok:
            return redirect("finance:payment", ref=done.value.uuid)
    return _page(request, "finance/payment_new.html", {"form": form, "show_staff": is_staff})


def _counter_office_ids(user) -> set[int]:
    scope = scope_for(user)
    return set().union(*(scope.office_ids.get(role, ()) for role in COUNTER))


def _open_direct_payment(user, data: dict) -> Payment:
    """A payment someone opens on the page: for themselves, or (office staff) for a client."""
    office = Office.objects.filter(code=data["office"], status=OfficeStatus.ACTIVE).first()
    if office is None:
        raise DomainError(fields={"office": [_("Unknown office.")]})
    staff = selectors.can_waive_fee(user=user, office=office)
    payer, reference_id = user, f"u{user.pk}-{data['key']}"
    if staff and data.get("payer_national_code"):
        payer = User.objects.filter(national_code=data["payer_national_code"]).first()
        if payer is None:
            raise DomainError(fields={"payer_national_code": [_("No citizen has this national code.")]})
        reference_id = f"o{office.pk}-{data['key']}"
    free = bool(staff and data.get("free_service"))
    quote = fee_quote(
        service=service_get(code=data["service"]),
        channel=data["channel"],
        extra_parties=data["extra_parties"],
        extra_pages=data["extra_pages"],
        free_service=free,
        court_fee=data["court_fee"],
    )
    with transaction.atomic():  # no ground is counted against the cap for a payment that is refused
        if (
            free
            and not FreeServiceGrant.objects.filter(
                reference_type=DIRECT_REFERENCE, reference_id=reference_id
            ).exists()
        ):
            services.free_service_grant(
                office=office,
                reference_type=DIRECT_REFERENCE,
                reference_id=reference_id,
                actor=user,
                **free_service_ground_values(data),
            )
        return services.payment_create(
            office=office,
            payer=payer,
            quote=quote,
            reference_type=DIRECT_REFERENCE,
            reference_id=reference_id,
            idempotency_key=f"web-{data['key']}",
            actor=user,
        )


@scoped_view
def payment_detail(request, ref):
    payment = selectors.payment_get_for(user=request.user, pk=ref)
    can_counter = payment.status == PaymentStatus.PENDING and selectors.can_take_counter_payment(
        user=request.user, payment=payment
    )
    can_refund = payment.status == PaymentStatus.CAPTURED and selectors.can_refund(
        user=request.user, payment=payment
    )
    return _page(
        request,
        "finance/payment_detail.html",
        {
            "payment": payment,
            "service_name": selectors.service_names().get(payment.service_code, payment.service_code),
            "lines": (payment.quote or {}).get("lines", []),
            "refunds": payment.refunds.order_by("-created_at"),
            "is_payer": payment.payer_id == request.user.pk,
            "can_counter": can_counter,
            "can_refund": can_refund and any(payment.refundable.values()),
            "counter_form": CounterForm() if can_counter else None,
            "refund_form": RefundForm() if can_refund else None,
        },
    )


def _back_to(payment: Payment):
    return redirect("finance:payment", ref=payment.uuid)


@scoped_view
@require_POST
def payment_pay(request, ref):
    payment = selectors.payment_get_for(user=request.user, pk=ref)
    if payment.payer_id != request.user.pk:
        raise Http404()
    done = run_service(request, None, lambda: services.payment_start(payment=payment))
    return redirect(done.value) if done.ok else _back_to(payment)


@scoped_view
@require_POST
def payment_counter(request, ref):
    payment = selectors.payment_get_for(user=request.user, pk=ref)
    form = CounterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how the client paid."))
        return _back_to(payment)
    done = run_service(
        request,
        form,
        lambda data: services.payment_record_at_counter(
            payment=payment, actor=request.user, method=data["method"]
        ),
    )
    if not done.ok:
        flash_form_errors(request, form)
    elif done.value.method == "gateway":
        messages.info(request, _("The client had already paid online; nothing more to take."))
    else:
        messages.success(request, _("The payment is recorded."))
    return _back_to(payment)


@scoped_view
@require_POST
def payment_cancel(request, ref):
    payment = selectors.payment_get_for(user=request.user, pk=ref)
    done = run_service(request, None, lambda: services.payment_cancel(payment=payment, actor=request.user))
    if done.ok and done.value.status == PaymentStatus.CAPTURED:
        messages.info(request, _("This payment had just been paid online, so it was not cancelled."))
    elif done.ok:
        messages.success(request, _("The payment is cancelled."))
    return _back_to(payment)


@scoped_view
@require_POST
def payment_refund(request, ref):
    payment = selectors.payment_get_for(user=request.user, pk=ref)
    form = RefundForm(request.POST)
    done = run_service(
        request,
        form,
        lambda data: services.refund_create(payment=payment, actor=request.user, **data),
        success=_("The refund is recorded."),
    )
    if not done.ok:
        flash_form_errors(request, form)
    return _back_to(payment)


# --- the simulated bank ------------------------------------------------------------------


@domain_errors_as_http
@require_http_methods(["GET", "POST"])
def gateway_page(request, token):
    """The simulated bank's payment page. No login: a PSP's page does not know our users."""
    session = simulated.bank_session(token)
    if request.method == "POST":
        action = request.POST.get("action", "")
        done = run_service(request, None, lambda: simulated.bank_decide(token=token, action=action))
        if not done.ok:
            return redirect("finance:gateway", token=token)
        session, payload, signature = done.value
        return render(
            request,
            "finance/gateway_redirect.html",
            {"session": session, "payload": payload, "signature": signature},
        )
    if session.status != GatewayOutcome.INITIATED:
        # Already decided (or timed out): send the payer back with the final answer.
        _session, payload, signature = simulated.bank_decide(token=token, action="return")
        return render(
            request,
            "finance/gateway_redirect.html",
            {"session": session, "payload": payload, "signature": signature},
        )
    return render(request, "finance/gateway.html", {"session": session})


@csrf_exempt
@require_POST
def gateway_return(request):
    """Where the bank sends the payer back, with a signed callback (the same service as the API)."""
    payload = {name: request.POST.get(name, "") for name in request.POST if name != "signature"}
    signature = request.POST.get("signature", "")
    ip = client_ip(request) or "unknown"
    payment = None
    # As the API: a correctly signed return is never limited; only unsigned ones count.
    signed = services.callback_signed(payload=payload, signature=signature)
    try:
        if not signed:
            ratelimit.check(REFUSED_SCOPE, ip, limit=REFUSED_LIMIT, window=REFUSED_WINDOW)
        payment = services.payment_handle_callback(payload=payload, signature=signature)
    except DomainError as exc:
        if not signed and exc.code != "rate_limited":
            ratelimit.hit(REFUSED_SCOPE, ip, window=REFUSED_WINDOW)
        messages.error(request, _message_for(exc))
        payment = _payment_by_reference(payload.get("reference", ""))
    else:
        if payment.status == PaymentStatus.CAPTURED:
            messages.success(request, _("Payment received. Thank you."))
        elif payment.status == PaymentStatus.CANCELLED:
            messages.info(request, _("You cancelled the payment. You can pay again whenever you are ready."))
        else:
            messages.error(request, _("The payment did not go through. No money was taken."))
    if payment is None:
        return redirect("finance:payments")
    shared = request.session.get(SHARED_SESSION_KEY, {}).get(str(payment.uuid))
    if shared:  # a relative who paid through a shared link goes back to that link's page
        return redirect("finance:shared-pay", token=shared)
    if payment.return_url and url_has_allowed_host_and_scheme(
        payment.return_url, allowed_hosts={request.get_host()}
    ):
        return redirect(payment.return_url)
    return _back_to(payment)


def _payment_by_reference(reference: str) -> Payment | None:
    try:
        return Payment.objects.filter(uuid=uuid.UUID(str(reference))).first()
    except ValueError:
        return None


# --- statements -------------------------------------------------------------------------


@scoped_view
def statement_index(request):
    offices = selectors.statement_offices_for(user=request.user)
    q = (request.GET.get("q") or "").strip()
    if q:
        offices = offices.filter(code__icontains=q[:12]) | offices.filter(name_fa__icontains=q[:60])
    if not offices.exists() and not q:
        raise Http404()
    page = Paginator(offices.order_by("code"), 30).get_page(request.GET.get("page"))
    return _page(
        request,
        "finance/statement_index.html",
        {
            "page": page,
            "q": q,
            "months": selectors.recent_months(12),
            "pager_extra": urlencode({"q": q}) if q else "",
        },
    )


def _statement(request, code: str, year: int, month: int):
    _month_or_404(year, month)
    office = selectors.statement_office_get(user=request.user, code=code)
    return selectors.office_statement(user=request.user, office=office, year=year, month=month)


@scoped_view
def statement_page(request, code, year, month):
    statement = _statement(request, code, year, month)
    lines = list(selectors.statement_lines(statement=statement))
    page = Paginator(lines, 100).get_page(request.GET.get("page"))
    shown = JalaliMonth(year, month)
    return _page(
        request,
        "finance/statement.html",
        {
            "s": statement,
            "page": page,
            "month_name": shown.label(get_language() or "fa"),
            "prev": shown.previous(),
            "next": shown.next() if shown.next() <= selectors.current_month() else None,
        },
    )


@scoped_view
@require_GET
def statement_csv(request, code, year, month):
    statement = _statement(request, code, year, month)
    response = StreamingHttpResponse(
        documents.statement_csv_rows(statement), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="statement-{statement.office.code}-{year}-{month:02d}.csv"'
    )
    return response


@scoped_view
@require_GET
def statement_pdf(request, code, year, month):
    statement = _statement(request, code, year, month)
    pdf = documents.statement_pdf(statement, language=get_language() or "fa")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="statement-{statement.office.code}-{year}-{month:02d}.pdf"'
    )
    return response


# --- the Kanoon ---------------------------------------------------------------------------


@scoped_view
def kanoon_index(request):
    this = selectors.current_month()
    return redirect("finance:kanoon-month", year=this.year, month=this.month)


@scoped_view
def kanoon_month(request, year, month):
    _month_or_404(year, month)
    province = (request.GET.get("province") or "")[:3] or None
    overview = selectors.kanoon_overview(user=request.user, year=year, month=month, province=province)
    if request.GET.get("format") == "csv":
        return _overview_csv(overview)
    page = Paginator(overview.rows, 50).get_page(request.GET.get("page"))
    return _page(
        request,
        "finance/kanoon.html",
        {
            "o": overview,
            "page": page,
            "province": province or "",
            "provinces": Province.objects.order_by("name_fa"),
            "months": selectors.recent_months(12),
            "month_name": JalaliMonth(year, month).label(get_language() or "fa"),
            "pager_extra": urlencode({"province": province}) if province else "",
        },
    )


def _overview_csv(overview) -> HttpResponse:
    import csv

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="kanoon-{overview.year}-{overview.month:02d}.csv"'
    )
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Office code"),
            _("Office"),
            _("Province"),
            _("Payments"),
            _("Collected (rials)"),
            _("Court fees (rials)"),
            _("Refunds (rials)"),
            _("Fee revenue (rials)"),
            _("Free services"),
            _("Subsidies (rials)"),
            _("Tier"),
            _("Rate (basis points)"),
            _("Share (rials)"),
            _("Net (rials)"),
        ]
    )
    for r in [*overview.rows, overview.totals]:
        writer.writerow(
            [
                r.code,
                r.name,
                r.province,
                r.payments,
                r.collected,
                r.court_fees,
                r.refunds,
                r.revenue,
                r.free_services,
                r.subsidies,
                r.tier,
                "" if r.rate_bp is None else r.rate_bp,
                r.share,
                r.net,
            ]
        )
    return response


@scoped_view
@require_http_methods(["GET", "POST"])
def settlements(request):
    runs = selectors.settlement_run_list_for(user=request.user)
    last = selectors.last_ended_month()
    form = SettlementForm(request.POST or None, initial={"year": last.year, "month": last.month})
    if request.method == "POST":
        done = run_service(
            request,
            form,
            lambda data: services.settlement_run(year=data["year"], month=data["month"], actor=request.user),
        )
        if done.ok:
            run = done.value
            messages.success(
                request,
                _("%(month)s is settled: %(offices)s offices.")
                % {
                    "month": JalaliMonth(run.year, run.month).label(get_language() or "fa"),
                    "offices": run.offices,
                },
            )
            return redirect("finance:kanoon-month", year=run.year, month=run.month)
    return _page(request, "finance/settlements.html", {"runs": runs[:60], "form": form})


# --- public ---------------------------------------------------------------------------------


def transparency(request):
    """Public totals per province for a Jalali month; no personal data, no login."""
    last = selectors.last_ended_month()
    try:
        year = int(request.GET.get("year") or last.year)
        month = int(request.GET.get("month") or last.month)
        totals = selectors.transparency_totals(year=year, month=month)
    except (ValueError, DomainError):
        raise Http404() from None
    english = (get_language() or "fa").startswith("en")
    name = "name_en" if english else "name_fa"
    rows = [(p[name], p["revenue"]) for p in totals["provinces"] if p["payments"]]
    title = _("Office fee revenue by province")
    chart = charts.bars(rows, title=title, persian=not english, rtl=not english) if rows else None
    return _page(
        request,
        "finance/transparency.html",
        {
            "t": totals,
            "month_name": JalaliMonth(year, month).label(get_language() or "fa"),
            "months": selectors.recent_months(12),
            "english": english,
            "chart": chart,
        },
    )


def index(request):
    if request.user.is_authenticated:
        return redirect("finance:payments")
    return redirect("finance:transparency")


# --- shared payment link ----------------------------------------------------------------
# A person abroad has no Iranian bank card: they send a link to someone in Iran who pays for them
# without an account. The link is signed (it names the payment and its payer), expires after
# SHARED_LINK_SECONDS, and pays only that payment: once captured it only says so. Two relatives
# opening it at once share the one gateway session ``payment_start`` keeps, so money is taken once.

SHARED_LINK_SALT = "finance.shared-payment-link"
SHARED_LINK_SECONDS = 3 * 24 * 3600
SHARED_SESSION_KEY = "finance_shared_links"


def shared_link_token(payment: Payment) -> str:
    return signing.dumps({"p": str(payment.uuid), "u": payment.payer_id}, salt=SHARED_LINK_SALT)


def _shared_payment(token: str) -> Payment:
    """The payment a link names, or 404: forged, altered, expired, or its payer changed alike."""
    try:
        data = signing.loads(token, salt=SHARED_LINK_SALT, max_age=SHARED_LINK_SECONDS)
        payment = (
            Payment.objects.select_related("office")
            .filter(uuid=uuid.UUID(str(data["p"])), payer_id=int(data["u"]))
            .first()
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        payment = None
    if payment is None:
        raise Http404()
    return payment


@scoped_view
def payment_share(request, ref):
    """The payer's own page: the link to send to someone in Iran, and whether it has been paid."""
    payment = selectors.payment_get_for(user=request.user, pk=ref)
    if payment.payer_id != request.user.pk:
        raise Http404()
    link = request.build_absolute_uri(
        reverse("finance:shared-pay", kwargs={"token": shared_link_token(payment)})
    )
    return _page(
        request,
        "finance/shared_link.html",
        {"payment": payment, "owner": True, "link": link, "days": SHARED_LINK_SECONDS // 86400},
    )


@require_http_methods(["GET", "POST"])
def shared_pay(request, token):
    """The relative's page: no account; they give their name (kept in the audit data) and pay."""
    payment = _shared_payment(token)
    error = ""
    name = ""
    if request.method == "POST":
        name = normalize_text(request.POST.get("payer_name", ""))[:100]
        ip = client_ip(request) or "unknown"
        if len(name) < 2:
            error = _("Enter your full name: the person you pay for sees who paid.")
        else:
            try:
                ratelimit.check("shared-pay-ip", ip, limit=30, window=3600)
                ratelimit.hit("shared-pay-ip", ip, window=3600)
                with transaction.atomic():
                    audit.record(
                        action="finance.payment.shared_link_used",
                        obj=payment,
                        office=payment.office_id,
                        data={"payer_name": name, "payment": str(payment.uuid)},
                    )
                    target = services.payment_start(payment=payment)
            except DomainError as exc:
                error = _message_for(exc)
            else:
                links = request.session.get(SHARED_SESSION_KEY, {})
                links[str(payment.uuid)] = token
                request.session[SHARED_SESSION_KEY] = links
                return redirect(target)
    return render(
        request,
        "finance/shared_link.html",
        {
            "payment": payment,
            "owner": False,
            "error": error,
            "payer_name": name,
            # Only the first name and an initial: the link may be forwarded further than meant.
            "payer_display": f"{payment.payer.first_name} {payment.payer.last_name[:1]}.".strip(),
        },
        status=400 if error else 200,
    )
