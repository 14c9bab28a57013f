"""Pages: the files board, one file (each party and worker sees what they may do), the request
form, the court officer's approvals, the auction page and the pilot's metrics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tanzim.accounts.models import User
from tanzim.accounts.permissions import COUNTER, OVERSIGHT, has_role, scope_for
from tanzim.common.errors import NotFoundError, PermissionDeniedError
from tanzim.common.jalali import TEHRAN
from tanzim.common.views import flash_form_errors, run_service, scoped_view
from tanzim.enforcement import access, metrics, selectors, services
from tanzim.enforcement import forms as f
from tanzim.enforcement.access import COURT, CREDITOR, DEBTOR, OFFICE
from tanzim.enforcement.choices import AssetStatus, AuctionStatus, FileStatus, ObjectionStatus
from tanzim.enforcement.models import (
    Asset,
    AuctionComplaint,
    InstalmentPlan,
    Registration,
    Schedule,
    Stay,
    Task,
)
from tanzim.enforcement.services import auction_pay as auction_pay_services
from tanzim.finance.services import payment_start
from tanzim.offices.models import Office


@scoped_view
def board(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    files = selectors.file_list_for(
        actor=request.user, status=status, search=(request.GET.get("q") or "")[:40]
    )
    return render(
        request,
        "enforcement/board.html",
        {
            "files": files[:100],
            "statuses": FileStatus.choices,
            "status": status,
            "is_officer": bool(access.officer_province_ids(request.user)),
            "can_request": _request_offices(request.user).exists(),
        },
    )


def _request_offices(user: Any) -> Any:
    """The offices whose counter this user works (they file requests for creditors there)."""
    scope = scope_for(user)
    ids: set[int] = set().union(*(scope.office_ids.get(role, frozenset()) for role in COUNTER))
    return Office.objects.filter(pk__in=sorted(ids)).order_by("code")


@scoped_view
def file_detail(request: HttpRequest, pk: int) -> HttpResponse:
    file = selectors.file_get_for(actor=request.user, pk=pk)
    kinds = access.kinds_of(request.user, file)
    assets = list(file.assets.select_related("taken_by").order_by("pk"))
    still_owed = services.still_owed(file) if DEBTOR in kinds else 0
    return render(
        request,
        "enforcement/file.html",
        {
            "file": file,
            "kinds": kinds,
            "is_court": COURT in kinds,
            "is_office": OFFICE in kinds,
            "is_debtor": DEBTOR in kinds,
            "is_creditor": CREDITOR in kinds,
            "parties": file.parties.all(),
            "assets": assets,
            "auctions": file.auctions.select_related("asset").order_by("-pk"),
            "inquiries": file.inquiries.all(),
            "plans": file.plans.all(),
            "stays": file.stays.all(),
            "tasks": file.tasks.select_related("performed_by"),
            "schedules": file.schedules.prefetch_related("lines__party"),
            "timeline": selectors.timeline(file),
            "deadlines": selectors.deadlines(file),
            "statement": services.statement(file),
            "forms": {
                "writ": f.WritForm(),
                "service": f.ServiceForm(),
                "asset_list": f.AssetListForm(),
                "asset": f.AssetForm(),
                "collection": f.CollectionForm(),
                "plan": f.PlanForm(),
                "stay": f.StayForm(),
                "close": f.CloseForm(),
                "inquiry": f.InquiryForm(),
                "pay": f.PayOnlineForm(prefix="pay", initial={"amount": still_owed}),
            },
            "still_owed": still_owed,
            "listed": [a for a in assets if a.status == AssetStatus.LISTED and not a.exempt_category],
            "seized": [a for a in assets if a.status == AssetStatus.SEIZED],
            "valued": [a for a in assets if a.status == AssetStatus.VALUED],
            "objectionable": [
                a
                for a in assets
                if a.status == AssetStatus.VALUED and a.objection_status == ObjectionStatus.NONE
            ],
            "objections": [a for a in assets if a.objection_status == ObjectionStatus.PENDING],
            "revalue": [a for a in assets if a.objection_status == ObjectionStatus.UPHELD],
            "takeable": set(
                file.auctions.filter(status=AuctionStatus.NO_BUYER).values_list("asset_id", flat=True)
            ),
        },
    )


@scoped_view
def file_request(request: HttpRequest) -> HttpResponse:
    offices = list(_request_offices(request.user))
    if not offices:
        raise PermissionDeniedError()
    form = f.RequestForm(request.POST or None)
    if request.method == "POST":

        def call(data: dict[str, Any]) -> Any:
            creditor = User.objects.filter(national_code=data["creditor_national_code"]).first()
            debtor = User.objects.filter(national_code=data["debtor_national_code"]).first()
            return services.file_request(
                actor=request.user,
                office=offices[0],
                court=data["court"],
                branch=data["branch"],
                judgment_number=data["judgment_number"],
                judgment_date=data["judgment_date"],
                judgment_state=data["judgment_state"],
                judgment_served_on=data["judgment_served_on"],
                creditors=[
                    {
                        "name": data["creditor_name"],
                        "national_code": data["creditor_national_code"],
                        "mobile": data["creditor_mobile"],
                        "claim": data["claim"] or 0,
                        "user": creditor,
                    }
                ],
                debtors=[
                    {
                        "name": data["debtor_name"],
                        "national_code": data["debtor_national_code"],
                        "mobile": data["debtor_mobile"],
                        "has_dependants": data["debtor_has_dependants"],
                        "user": debtor,
                    }
                ],
            )

        outcome = run_service(request, form, call, success=str(_("The request was registered.")))
        if outcome.ok:
            return redirect("enforcement:file", outcome.value.pk)
    return render(request, "enforcement/request.html", {"form": form, "office": offices[0]})


# --- actions on a file (post / redirect / get) ----------------------------------------------------


def _asset(file: Any, data: dict[str, Any]) -> Asset:
    asset = Asset.objects.filter(pk=data.get("asset") or 0, file=file).select_related("file").first()
    if asset is None:
        raise NotFoundError()
    return asset


def _owned(model: Any, file: Any, pk: Any) -> Any:
    obj = model.objects.filter(pk=pk, file=file).first()
    if obj is None:
        raise NotFoundError()
    return obj


def _auction_start(data: dict[str, Any]) -> tuple[datetime, datetime]:
    start = datetime.combine(data["starts_on"], time(hour=data["start_hour"]), tzinfo=TEHRAN)
    return start, start + timedelta(hours=data["hours"])


ACTIONS: dict[str, tuple[type[forms.Form] | None, Callable[[Any, Any, dict[str, Any]], Any], Any]] = {
    "writ": (
        f.WritForm,
        lambda u, file, d: services.writ_issue(file=file, actor=u, writ_number=d["writ_number"]),
        _("The writ was recorded."),
    ),
    "service": (
        f.ServiceForm,
        lambda u, file, d: services.service_record(
            file=file, actor=u, served_on=d["served_on"], by_publication=d["by_publication"]
        ),
        _("The service was recorded."),
    ),
    "asset-list": (
        f.AssetListForm,
        lambda u, file, d: services.asset_list_file(
            file=file,
            actor=u,
            assets=[{k: v for k, v in d.items() if k != "insolvency"}],
            insolvency=d["insolvency"],
        ),
        _("Your asset list was filed."),
    ),
    "asset-list-check": (
        None,
        lambda u, file, d: services.asset_list_check(file=file, actor=u),
        _("The asset list was checked."),
    ),
    "name-asset": (
        f.AssetForm,
        lambda u, file, d: services.asset_create(file=file, actor=u, found_by="creditor", data=d),
        _("The property was named for seizure."),
    ),
    "start": (
        None,
        lambda u, file, d: services.enforcement_start(file=file, actor=u),
        _("Enforcement started."),
    ),
    "seize": (
        f.AssetPickForm,
        lambda u, file, d: services.asset_seize(asset=_asset(file, d), actor=u),
        _("The seizure was recorded."),
    ),
    "value": (
        f.ValueForm,
        lambda u, file, d: services.asset_value(
            asset=_asset(file, d), actor=u, value=d["value"], valuer=d["valuer"]
        ),
        _("The valuation was recorded."),
    ),
    "object": (
        f.ObjectionForm,
        lambda u, file, d: services.objection_file(asset=_asset(file, d), actor=u, text=d["text"]),
        _("Your objection was filed."),
    ),
    "garnish": (
        f.GarnishForm,
        lambda u, file, d: services.salary_garnish(asset=_asset(file, d), actor=u, monthly=d["monthly"]),
        _("The garnishment was set."),
    ),
    "auction": (
        f.AuctionForm,
        lambda u, file, d: services.auction_create(
            asset=_asset(file, d), actor=u, starts_at=_auction_start(d)[0], ends_at=_auction_start(d)[1]
        ),
        _("The auction was announced."),
    ),
    "take": (
        f.AssetPickForm,
        lambda u, file, d: services.asset_take(asset=_asset(file, d), actor=u),
        _("You took the property at its valuation; what you are owed fell by as much."),
    ),
    "inquiry": (
        f.InquiryForm,
        lambda u, file, d: services.inquiry_send(file=file, actor=u, agencies=d["agencies"]),
        _("The inquiries were sent."),
    ),
    "collect": (
        f.CollectionForm,
        lambda u, file, d: services.collection_record(
            file=file, actor=u, amount=d["amount"], source=d["source"]
        ),
        _("The money was recorded."),
    ),
    "schedule": (
        None,
        lambda u, file, d: services.schedule_prepare(file=file, actor=u),
        _("The distribution schedule was drawn up."),
    ),
    "pay": (
        f.DecisionForm,
        lambda u, file, d: services.schedule_pay(schedule=_owned(Schedule, file, d["item"]), actor=u),
        _("The schedule was sent for payment."),
    ),
    "plan": (
        f.PlanForm,
        lambda u, file, d: services.plan_propose(
            file=file, actor=u, count=d["count"], amount_each=d["amount_each"], first_due=d["first_due"]
        ),
        _("The instalments were proposed."),
    ),
    "plan-decide": (
        f.DecisionForm,
        lambda u, file, d: services.plan_decide(
            plan=_owned(InstalmentPlan, file, d["item"]), actor=u, grant=d["approve"]
        ),
        _("The decision was recorded."),
    ),
    "objection-decide": (
        f.DecisionForm,
        lambda u, file, d: services.objection_decide(
            asset=_asset(file, {"asset": d["item"]}), actor=u, uphold=d["approve"]
        ),
        _("The decision was recorded."),
    ),
    "task-decide": (
        f.DecisionForm,
        lambda u, file, d: services.task_decide(
            task=_owned(Task, file, d["item"]), actor=u, approve=d["approve"]
        ),
        _("The decision was recorded."),
    ),
    "stay": (
        f.StayForm,
        lambda u, file, d: services.stay_add(file=file, actor=u, reason=d["reason"], note=d["note"]),
        _("The stay was recorded."),
    ),
    "stay-lift": (
        f.DecisionForm,
        lambda u, file, d: services.stay_lift(stay=_owned(Stay, file, d["item"]), actor=u),
        _("The stay was lifted."),
    ),
    "settle": (
        None,
        lambda u, file, d: services.settlement_record(file=file, actor=u),
        _("The settlement was recorded."),
    ),
    "close": (
        f.CloseForm,
        lambda u, file, d: services.file_close(file=file, actor=u, outcome=d["outcome"]),
        _("The file was closed."),
    ),
}


@require_POST
@scoped_view
def file_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    file = selectors.file_get_for(actor=request.user, pk=pk)
    if action not in ACTIONS:
        raise NotFoundError()
    form_class, call, success = ACTIONS[action]
    form = form_class(request.POST) if form_class is not None else None
    if form is None:
        run_service(request, None, lambda: call(request.user, file, {}), success=str(success))
    else:
        outcome = run_service(
            request, form, lambda data: call(request.user, file, data), success=str(success)
        )
        if not outcome.ok:
            flash_form_errors(request, form)
    return redirect("enforcement:file", file.pk)


@require_POST
@scoped_view
def file_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """The debtor pays online: the payment is opened and the debtor sent to the bank."""
    file = selectors.file_get_for(actor=request.user, pk=pk)
    form = f.PayOnlineForm(request.POST, prefix="pay")
    outcome = run_service(
        request,
        form,
        lambda data: payment_start(
            payment=services.debtor_payment_open(file=file, actor=request.user, amount=data["amount"])
        ),
    )
    if outcome.ok:
        return redirect(outcome.value)
    flash_form_errors(request, form)
    return redirect("enforcement:file", file.pk)


# --- the court officer's approvals ----------------------------------------------------------------


@scoped_view
def approvals(request: HttpRequest) -> HttpResponse:
    if not access.officer_province_ids(request.user):
        raise PermissionDeniedError()
    return render(
        request, "enforcement/approvals.html", {"tasks": selectors.tasks_awaiting_for(actor=request.user)}
    )


# --- the auction page ---------------------------------------------------------------------------


@scoped_view
def auction_page(request: HttpRequest, pk: int) -> HttpResponse:
    auction = selectors.auction_get_for(actor=request.user, pk=pk)
    registration = Registration.objects.filter(auction=auction, bidder_id=request.user.pk).first()
    kinds = access.kinds_of(request.user, auction.file)
    return render(
        request,
        "enforcement/auction.html",
        {
            "auction": auction,
            "registration": registration,
            "bids": auction.bids.select_related("registration__bidder")[:20],
            "is_worker": bool(kinds & {COURT, OFFICE}),
            "is_debtor": DEBTOR in kinds,
            "is_winner": bool(registration and auction.winner_id == registration.pk),
            "complaints": auction.complaints.all(),
            "bid_form": f.BidForm(),
        },
    )


AUCTION_ACTIONS: dict[str, tuple[type[forms.Form] | None, Callable[[Any, Any, dict[str, Any]], Any], Any]] = {
    "register": (
        None,
        lambda u, a, d: services.registration_create(auction=a, actor=u),
        _("You are registered; the deposit is held."),
    ),
    "bid": (
        f.BidForm,
        lambda u, a, d: services.bid_place(auction=a, actor=u, amount=d["amount"]),
        _("Your bid was placed."),
    ),
    "close": (None, lambda u, a, d: services.auction_close(auction=a, actor=u), _("The auction was closed.")),
    "balance": (
        None,
        lambda u, a, d: services.balance_pay(auction=a, actor=u),
        _("The balance was recorded; the asset is sold."),
    ),
    "default": (
        None,
        lambda u, a, d: services.auction_default(auction=a, actor=u),
        _("The buyer's default was recorded."),
    ),
    "complain": (
        f.ObjectionForm,
        lambda u, a, d: services.complaint_file(auction=a, actor=u, text=d["text"]),
        _("Your complaint was filed."),
    ),
    "complaint-decide": (
        f.DecisionForm,
        lambda u, a, d: services.complaint_decide(
            complaint=AuctionComplaint.objects.get(pk=d["item"], auction=a), actor=u, uphold=d["approve"]
        ),
        _("The decision was recorded."),
    ),
}


@require_POST
@scoped_view
def auction_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    auction = selectors.auction_get_for(actor=request.user, pk=pk)
    if action not in AUCTION_ACTIONS:
        raise NotFoundError()
    form_class, call, success = AUCTION_ACTIONS[action]
    form = form_class(request.POST) if form_class is not None else None
    if form is None:
        run_service(request, None, lambda: call(request.user, auction, {}), success=str(success))
    else:
        outcome = run_service(
            request, form, lambda data: call(request.user, auction, data), success=str(success)
        )
        if not outcome.ok:
            flash_form_errors(request, form)
    return redirect("enforcement:auction", auction.pk)


@require_POST
@scoped_view
def auction_pay(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """The bidder's deposit or the winner's balance, paid at the bank."""
    auction = selectors.auction_get_for(actor=request.user, pk=pk)
    opener = {
        "deposit": auction_pay_services.deposit_payment_open,
        "balance": auction_pay_services.balance_payment_open,
    }
    if what not in opener:
        raise NotFoundError()
    done = run_service(
        request, None, lambda: payment_start(payment=opener[what](auction=auction, actor=request.user))
    )
    return redirect(done.value) if done.ok else redirect("enforcement:auction", auction.pk)


@scoped_view
def auctions(request: HttpRequest) -> HttpResponse:
    return render(request, "enforcement/auctions.html", {"auctions": selectors.auctions_public()[:50]})


# --- metrics ------------------------------------------------------------------------------------


@scoped_view
def metrics_page(request: HttpRequest) -> HttpResponse:
    if not (has_role(request.user, *OVERSIGHT) or access.officer_province_ids(request.user)):
        raise PermissionDeniedError()
    return render(request, "enforcement/metrics.html", {"rows": metrics.by_province(actor=request.user)})
