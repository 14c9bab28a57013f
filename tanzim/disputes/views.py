"""Dispute pages: the office board and intake, the mediator's and arbitrator's docket, the
parties' pages (join with the code, answer, propose times, sign), the Kanoon's overview and the
public figures.

Views parse input, call one service or selector, and render. Scoping is the selectors' job: a
dispute the user is nothing to is a 404. A refused action comes back as a message on the page.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tanzim.accounts.choices import Role
from tanzim.accounts.models import User
from tanzim.accounts.permissions import COUNTER, OFFICE_READERS, OVERSIGHT, has_role
from tanzim.accounts.selectors import scope_for
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.forms import RialsField
from tanzim.common.http import client_ip
from tanzim.common.jalali import format_jalali, jalali_year_month, parse_jalali
from tanzim.common.views import scoped_view
from tanzim.disputes import documents, metrics, selectors, services
from tanzim.disputes.choices import (
    FINAL,
    ArbitratorStatus,
    DisputeStatus,
    PartyRole,
    SettlementStatus,
)
from tanzim.disputes.forms import (
    ArbitrationExtendForm,
    ArbitrationForm,
    ArbitratorForm,
    AssignForm,
    AwardForm,
    DeclarationForm,
    DocumentForm,
    ExpectedForm,
    ExtendForm,
    FailForm,
    FromCaseForm,
    IntakeForm,
    JoinForm,
    OtpForm,
    ProposalForm,
    ReferForm,
    SessionForm,
    SessionRecordForm,
    SettlementTermsForm,
    SignForm,
    TrackForm,
    TrackingForm,
    VoidForm,
)
from tanzim.disputes.models import Arbitrator, Dispute, Referral, Session
from tanzim.notify.selectors import outbox_recent
from tanzim.offices.models import Office, Province

JOIN_SESSION_KEY = "dispute_join"
BOARD_PAGE = 50


# --- plumbing -------------------------------------------------------------------------------------


def _texts(exc: DomainError) -> list[str]:
    texts = [str(exc.message)]
    for errors in exc.fields.values():
        texts.extend(str(e) for e in (errors if isinstance(errors, list) else [errors]))
    return list(dict.fromkeys(texts))


def _refused(request, exc: Exception) -> None:
    if isinstance(exc, ConflictError):
        messages.warning(request, " ".join(_texts(exc)))
    elif isinstance(exc, DomainError):
        messages.error(request, " ".join(_texts(exc)))
    elif isinstance(exc, ValidationError):
        messages.error(request, " ".join(exc.messages))


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


def _act(request, pk, action, *, form=None, anchor: str = "", success: str = ""):
    """Run one service for a POSTed action; a refusal becomes a message on the dispute page.

    With a ``form``, an invalid one is refused the same way and ``action`` also receives its
    cleaned data.
    """
    if form is not None and not form.is_valid():
        _form_errors(request, form)
        return _detail(pk, anchor)
    dispute = _dispute(request, pk)
    try:
        action(dispute) if form is None else action(dispute, form.cleaned_data)
    except (DomainError, ValidationError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        if isinstance(exc, PermissionDeniedError):
            raise
        _refused(request, exc)
    else:
        if success:
            messages.success(request, success)
    return _detail(dispute, anchor)


# --- where a user lands ---------------------------------------------------------------------------


@login_required
def index(request):
    if has_role(request.user, *COUNTER):
        return redirect("disputes:board")
    if has_role(request.user, Role.MEDIATOR, Role.ARBITRATOR):
        return redirect("disputes:docket")
    if has_role(request.user, *OVERSIGHT):
        return redirect("disputes:overview")
    return redirect("disputes:mine")


@scoped_view
@require_GET
def board(request):
    """The office's board: disputes by stage, most urgent first, with their deadlines."""
    offices = _staff_offices(request.user)
    if not offices:
        raise PermissionDenied(_("This page is for the staff of an office."))
    office_id = _int(request.GET.get("office"))
    if office_id and office_id not in {o.pk for o in offices}:
        office_id = None
    status = request.GET.get("status") or ""
    overdue_only = request.GET.get("overdue") == "1"
    data = selectors.board_for(
        user=request.user,
        office_id=office_id or (offices[0].pk if len(offices) == 1 else None),
        status=status,
        overdue_only=overdue_only,
    )
    query = (request.GET.get("q") or "").strip()[:40]
    rows = selectors.dispute_search_for(user=request.user, query=query) if query else data.rows
    page = Paginator(rows, BOARD_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "disputes/board.html",
        {
            "board": data,
            "page": page,
            "rows": [(d, selectors.is_overdue(d, now=now)) for d in page],
            "offices": offices,
            "office_id": office_id,
            "status": status,
            "overdue_only": overdue_only,
            "query": query,
        },
    )


def _int(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 12 else None


@scoped_view
@require_GET
def docket(request):
    disputes = selectors.docket_for(user=request.user)
    page = Paginator(disputes, BOARD_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "disputes/docket.html",
        {
            "page": page,
            "rows": [(d, selectors.is_overdue(d, now=now)) for d in page],
            "sessions": selectors.sessions_for(user=request.user)[:30],
        },
    )


@scoped_view
@require_GET
def mine(request):
    disputes = selectors.party_disputes_for(user=request.user)
    return render(
        request,
        "disputes/mine.html",
        {"disputes": disputes[:100], "sessions": selectors.sessions_for(user=request.user)[:20]},
    )


def _period(request) -> tuple[int, int | None]:
    """The Jalali year (this one by default) and an optional month; the whole year when none."""
    year = jalali_year_month(timezone.now())[0]
    month = None
    y, m = _int(request.GET.get("year")), _int(request.GET.get("month"))
    if y and 1390 <= y <= 1500:
        year = y
    if m and 1 <= m <= 12:
        month = m
    return year, month


@scoped_view
@require_GET
def overview(request):
    """All disputes the viewer oversees (the Kanoon, a province), by province, with the figures."""
    if not has_role(request.user, *OFFICE_READERS):
        raise PermissionDenied(_("These figures are for the offices' staff and the Kanoon."))
    province_id = _int(request.GET.get("province"))
    year, month = _period(request)
    start, end = metrics.period_bounds(year=year, month=month)
    report = metrics.dispute_metrics(user=request.user, start=start, end=end, province_id=province_id)
    data = selectors.board_for(
        user=request.user, province_id=province_id, status=request.GET.get("status") or ""
    )
    page = Paginator(data.rows, BOARD_PAGE).get_page(request.GET.get("page"))
    provinces = (
        Province.objects.filter(pk__in=[p.pk for p, _f in report.provinces]) if not province_id else []
    )
    return render(
        request,
        "disputes/overview.html",
        {
            "report": report,
            "board": data,
            "page": page,
            "year": year,
            "month": month,
            "province_id": province_id,
            "provinces": provinces or Province.objects.order_by("name_fa"),
            "status": request.GET.get("status") or "",
            "failure_labels": dict(services.FailureReason.choices),
        },
    )


@require_GET
def figures(request):
    """Public: settlement rate, disputes kept out of court, time to resolution — nation and provinces."""
    year, month = _period(request)
    report = metrics.public_figures(year=year, month=month)
    return render(
        request,
        "disputes/figures.html",
        {
            "report": report,
            "year": year,
            "month": month,
            "failure_labels": dict(services.FailureReason.choices),
        },
    )


# --- intake ---------------------------------------------------------------------------------------


@scoped_view
@require_http_methods(["GET", "POST"])
def new(request):
    offices = _staff_offices(request.user)
    if not offices:
        raise PermissionDenied(_("This page is for the staff of an office."))
    form = IntakeForm(request.POST or None, initial={"category": request.GET.get("category") or ""})
    office = next((o for o in offices if str(o.pk) == request.POST.get("office")), offices[0])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dispute = services.dispute_open(
                actor=request.user,
                office=office,
                category=data["category"],
                claim_amount=data["claim_amount"],
                summary=data["summary"],
                claimant=services.PartyInput(
                    name=data["claimant_name"],
                    national_code=data["claimant_national_code"],
                    mobile=data["claimant_mobile"],
                ),
                respondent=services.PartyInput(
                    name=data["respondent_name"],
                    national_code=data["respondent_national_code"],
                    mobile=data["respondent_mobile"],
                ),
            )
        except DomainError as exc:
            for field, errors in exc.fields.items():
                name = field.replace(".", "_")
                for error in errors if isinstance(errors, list) else [errors]:
                    form.add_error(name if name in form.fields else None, str(error))
            if not exc.fields:
                form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Dispute %(ref)s opened.") % {"ref": dispute.reference_display})
            try:
                services.dispute_triage(dispute=dispute, actor=request.user)
            except DomainError as exc:
                _refused(request, exc)
            return _detail(dispute)
    return render(request, "disputes/new.html", {"form": form, "offices": offices, "office": office})


@scoped_view
@require_http_methods(["GET", "POST"])
def from_case(request, case_id: int):
    """Send a petition or complaint to resolution first."""
    from tanzim.cases.selectors import case_get_for

    case = case_get_for(user=request.user, pk=case_id)
    form = FromCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dispute = services.dispute_open_from_case(
                case=case,
                actor=request.user,
                category=form.cleaned_data["category"],
                respondent_mobile=form.cleaned_data["respondent_mobile"] or "",
            )
            services.dispute_triage(dispute=dispute, actor=request.user)
        except DomainError as exc:
            _refused(request, exc)
        else:
            return _detail(dispute)
    return render(request, "disputes/from_case.html", {"form": form, "case": case})


# --- one dispute ----------------------------------------------------------------------------------


def _permissions(dispute: Dispute, access: selectors.Access, settlement, arbitration) -> dict[str, bool]:
    status = dispute.status
    office_side = access.staff or access.convener
    live_settlement = settlement is not None and settlement.status in (
        SettlementStatus.DRAFT,
        SettlementStatus.SIGNING,
    )
    return {
        "can_triage": access.staff and status == DisputeStatus.INTAKE,
        "can_edit_parties": access.staff and status not in FINAL,
        "can_invite": office_side
        and status in (DisputeStatus.TRIAGED, DisputeStatus.INVITED)
        and dispute.invite_attempts < settings.DISPUTES_INVITE_MAX_TRIES,
        "can_respond": (access.role == PartyRole.RESPONDENT or access.staff)
        and status == DisputeStatus.INVITED,
        "can_assign": access.staff and status not in FINAL,
        "can_schedule": office_side and status in (DisputeStatus.MEDIATION, DisputeStatus.ARBITRATION),
        "can_draft": office_side
        and status in (DisputeStatus.MEDIATION, DisputeStatus.ARBITRATION)
        and (
            settlement is None
            or settlement.status in (SettlementStatus.DRAFT, SettlementStatus.SIGNED, SettlementStatus.VOIDED)
        ),
        "can_open": office_side and settlement is not None and settlement.status == SettlementStatus.DRAFT,
        "can_void": office_side and live_settlement,
        "can_fail": office_side and status in (DisputeStatus.INVITED, DisputeStatus.MEDIATION),
        "can_leave": access.role == PartyRole.RESPONDENT
        and not office_side
        and status == DisputeStatus.MEDIATION,
        "can_withdraw": (access.role == PartyRole.CLAIMANT or access.staff)
        and status
        in (
            DisputeStatus.INTAKE,
            DisputeStatus.TRIAGED,
            DisputeStatus.INVITED,
            DisputeStatus.MEDIATION,
            DisputeStatus.ARBITRATION,
        ),
        "can_refer": access.staff
        and status in (DisputeStatus.INTAKE, DisputeStatus.TRIAGED, DisputeStatus.FAILED),
        "can_close": access.staff and status == DisputeStatus.FAILED,
        "can_extend": (access.staff or access.mediator) and status == DisputeStatus.MEDIATION,
        "can_track": (access.staff or access.mediator)
        and dispute.is_criminal
        and status
        in (
            DisputeStatus.TRIAGED,
            DisputeStatus.INVITED,
            DisputeStatus.MEDIATION,
        ),
        "can_start_arbitration": access.staff
        and (status == DisputeStatus.FAILED or (status == DisputeStatus.ARBITRATION and arbitration is None)),
        "can_propose": access.party is not None
        and status in (DisputeStatus.INVITED, DisputeStatus.MEDIATION, DisputeStatus.ARBITRATION),
        "can_upload": (office_side or access.party is not None) and status not in FINAL,
        "office_side": office_side,
    }


@scoped_view
@require_GET
def detail(request, pk: int):
    dispute = _dispute(request, pk)
    access = selectors.access_for(dispute=dispute, user=request.user)
    parties = {p.role: p for p in dispute.parties.all()}
    settlement = selectors.live_settlement(dispute=dispute) or selectors.signed_settlement(dispute=dispute)
    arbitration = selectors.live_arbitration(dispute=dispute)
    signed_roles = set()
    if settlement is not None:
        signed_roles = {s.party.role for s in settlement.signatures.all()}
    award = getattr(arbitration, "award", None) if arbitration else None
    perms = _permissions(dispute, access, settlement, arbitration)
    from tanzim.finance.selectors import payment_list_for

    fees = payment_list_for(user=request.user).filter(
        reference_type="disputes.dispute", reference_id=str(dispute.pk)
    )
    sign_for = []
    if settlement is not None and settlement.status == SettlementStatus.SIGNING:
        for role, party in parties.items():
            if role in signed_roles:
                continue
            if (access.party and access.party.pk == party.pk) or perms["office_side"]:
                sign_for.append(party)
    mediators = services.mediators_of(dispute.office) if perms["can_assign"] else []
    arbitrator_accounts = (
        _office_arbitrators(dispute.office) if perms["can_start_arbitration"] or arbitration else []
    )
    context = {
        "dispute": dispute,
        "access": access,
        "claimant": parties.get(PartyRole.CLAIMANT),
        "respondent": parties.get(PartyRole.RESPONDENT),
        "events": selectors.dispute_events(dispute=dispute),
        "sessions": dispute.sessions.select_related("convener").order_by("starts_at"),
        "proposals": dispute.proposals.select_related("party")[:10]
        if perms["office_side"] or access.staff
        else [],
        "documents": selectors.documents_for(dispute=dispute, access=access),
        "settlement": settlement,
        "signed_roles": signed_roles,
        "sign_for": sign_for,
        "arbitration": arbitration,
        "arbitrators": list(arbitration.arbitrators.all()) if arbitration else [],
        "award": award,
        "referrals": dispute.referrals.order_by("created_at"),
        "fees": fees,
        "overdue": selectors.is_overdue(dispute),
        "now": timezone.now(),
        "forms": {
            "fail": FailForm(initial={"expected_status": dispute.status}),
            "refer": ReferForm(
                initial={"expected_status": dispute.status, "target": dispute.referral_target}
            ),
            "note": ExpectedForm(initial={"expected_status": dispute.status}),
            "assign": AssignForm(mediators=mediators),
            "session": SessionForm(initial={"minutes": 60}),
            "record": SessionRecordForm(),
            "proposal": ProposalForm(),
            "document": DocumentForm(initial={"shared": True}),
            "void": VoidForm(),
            "extend": ExtendForm(),
            "track": TrackForm(initial={"track": dispute.criminal_track}),
            "tracking": TrackingForm(),
            "arbitration": ArbitrationForm(initial={"panel_size": 1}),
            "arbitrator": ArbitratorForm(arbitrators=arbitrator_accounts),
            "declaration": DeclarationForm(),
            "arbitration_extend": ArbitrationExtendForm(),
            "award": AwardForm(),
        },
        "demo_messages": _demo_messages(request, access),
        **perms,
    }
    return render(request, "disputes/detail.html", context)


def _office_arbitrators(office: Office) -> list[User]:
    now = timezone.now()
    return list(
        User.objects.filter(
            roles__role=Role.ARBITRATOR, roles__office=office, roles__valid_from__lte=now, is_active=True
        )
        .distinct()
        .order_by("pk")
    )


def _demo_messages(request, access) -> list:
    """In the embedded demo no SMS leaves the machine: show the party's newest text on their page."""
    if not settings.SHOW_OUTBOX_IN_UI or access.party is None or not access.party.mobile:
        return []
    return list(outbox_recent(to=access.party.mobile, limit=1))


# --- actions on the ladder ------------------------------------------------------------------------


@scoped_view
@require_POST
def act(request, pk: int, action: str):
    user = request.user
    note_form = ExpectedForm(request.POST)
    note_form.is_valid()
    expected = note_form.cleaned_data.get("expected_status") or None
    note = note_form.cleaned_data.get("note") or ""
    simple = {
        "triage": lambda d: services.dispute_triage(dispute=d, actor=user, expected_status=expected),
        "invite": lambda d: services.dispute_invite(dispute=d, actor=user, expected_status=expected),
        "accept": lambda d: services.dispute_respond(
            dispute=d, actor=user, accept=True, note=note, expected_status=expected
        ),
        "decline": lambda d: services.dispute_respond(
            dispute=d, actor=user, accept=False, note=note, expected_status=expected
        ),
        "withdraw": lambda d: services.dispute_withdraw(
            dispute=d, actor=user, note=note, expected_status=expected
        ),
        "close": lambda d: services.dispute_close(dispute=d, actor=user, note=note, expected_status=expected),
        "leave": lambda d: services.dispute_fail(
            dispute=d, actor=user, reason="party_withdrew", note=note, expected_status=expected
        ),
    }
    success = {
        "triage": _("Triaged."),
        "invite": _("The respondent was sent a join code by SMS."),
        "accept": _("Thank you. The office will set a session."),
        "decline": _("Your answer was recorded."),
        "withdraw": _("The dispute was withdrawn."),
        "close": _("The dispute was closed."),
        "leave": _("Your withdrawal was recorded."),
    }
    if action in simple:
        return _act(request, pk, simple[action], success=str(success[action]))
    if action == "fail":
        form = FailForm(request.POST)
        return _act(
            request,
            pk,
            lambda d, data: services.dispute_fail(
                dispute=d, actor=user, reason=data["reason"], note=note, expected_status=expected
            ),
            form=form,
            success=_("The failure was recorded."),
        )
    if action == "refer":
        form = ReferForm(request.POST)
        form.is_valid()
        return _act(
            request,
            pk,
            lambda d: services.referral_create(
                dispute=d,
                actor=user,
                target=form.cleaned_data.get("target") or None,
                reason=form.cleaned_data.get("reason") or None,
                note=note,
                expected_status=expected,
            ),
            anchor="referrals",
            success=_("Referred; the file is packed."),
        )
    if action == "assign":
        dispute = _dispute(request, pk)
        form = AssignForm(request.POST, mediators=services.mediators_of(dispute.office))
        if not form.is_valid():
            _form_errors(request, form)
            return _detail(pk)
        chosen = User.objects.filter(pk=_int(form.cleaned_data["mediator"])).first()
        return _act(
            request,
            pk,
            lambda d: services.mediator_assign(dispute=d, actor=user, mediator=chosen),
            success=_("Mediator assigned."),
        )
    if action == "extend":
        form = ExtendForm(request.POST)
        return _act(
            request,
            pk,
            lambda d, data: services.window_extend(dispute=d, actor=user, reason=data["reason"]),
            form=form,
            success=_("The window was extended."),
        )
    if action == "track":
        form = TrackForm(request.POST)
        return _act(
            request,
            pk,
            lambda d, data: services.criminal_track_set(dispute=d, actor=user, track=data["track"]),
            form=form,
        )
    raise Http404()


@scoped_view
@require_POST
def party_edit(request, pk: int, role: str):
    dispute = _dispute(request, pk)
    if role not in PartyRole.values:
        raise Http404()
    party = selectors.party_of(dispute=dispute, role=role)
    mobile = request.POST.get("mobile", None)
    national_code = request.POST.get("national_code", None)
    return _act(
        request,
        pk,
        lambda d: services.party_update(
            party=party, actor=request.user, mobile=mobile, national_code=national_code
        ),
        anchor="parties",
        success=_("Saved."),
    )


# --- sessions, proposals, documents ---------------------------------------------------------------


@scoped_view
@require_POST
def session_new(request, pk: int):
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
        anchor="documents",
        success=_("Document added."),
    )


@scoped_view
@require_GET
def document_download(request, pk: int, document_id: int):
    dispute = _dispute(request, pk)
    document = selectors.document_open_for(user=request.user, dispute=dispute, document_id=document_id)
    return FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        as_attachment=True,
        filename=f"{dispute.reference}-{document.pk}{document.extension}",
    )


# --- settlement -----------------------------------------------------------------------------------


def _obligation_rows(request, count: int) -> tuple[list[dict], list[str], list[dict]]:
    """Rows of the settlement editor: what to pass to the service, errors, and what to show again."""
    rows, errors, shown = [], [], []
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
    texts = []
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
                    try:
                        services.settlement_open(settlement=saved, actor=request.user)
                    except DomainError as exc:
                        _refused(request, exc)
                    else:
                        messages.success(
                            request, _("The settlement is out for signing; both parties were told by SMS.")
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
    form = SignForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _detail(pk, "settlement")

    def sign(d):
        result = services.settlement_sign(
            settlement=settlement,
            party=form.cleaned_data["party"],
            actor=request.user,
            code=form.cleaned_data["code"],
        )
        (messages.info if result.already_signed else messages.success)(request, result.message)

    return _act(request, pk, sign, anchor="settlement")


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
        return FileResponse(
            settlement.pdf.open("rb"), content_type="application/pdf", as_attachment=True, filename=filename
        )
    content = documents.settlement_pdf(settlement=settlement, language=request.LANGUAGE_CODE)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="draft-{filename}"'
    return response


# --- arbitration ----------------------------------------------------------------------------------


@scoped_view
@require_POST
def arbitration_new(request, pk: int):
    form = ArbitrationForm(request.POST)
    return _act(
        request,
        pk,
        lambda d, data: services.arbitration_start(
            dispute=d,
            actor=request.user,
            agreement_kind=data["agreement_kind"],
            agreement_date=data["agreement_date"],
            agreement_text=data["agreement_text"],
            panel_size=data["panel_size"],
            agreed_term_days=data["agreed_term_days"],
        ),
        form=form,
        anchor="arbitration",
        success=_("Arbitration started: name the arbitrators."),
    )


def _arbitration_or_404(dispute: Dispute):
    arbitration = selectors.live_arbitration(dispute=dispute)
    if arbitration is None:
        raise Http404()
    return arbitration


@scoped_view
@require_POST
def arbitrator_new(request, pk: int):
    dispute = _dispute(request, pk)
    arbitration = _arbitration_or_404(dispute)
    accounts = _office_arbitrators(dispute.office)
    form = ArbitratorForm(request.POST, arbitrators=accounts)
    if not form.is_valid():
        _form_errors(request, form)
        return _detail(pk, "arbitration")
    data = form.cleaned_data
    account = next((u for u in accounts if str(u.pk) == data["account"]), None)
    return _act(
        request,
        pk,
        lambda d: services.arbitrator_propose(
            arbitration=arbitration,
            actor=request.user,
            seat=data["seat"],
            user=account,
            name=data["name"],
            national_code=data["national_code"],
            mobile=data["mobile"],
            birth_date=data["birth_date"],
        ),
        anchor="arbitration",
        success=_("Arbitrator proposed; they now make the eligibility declaration."),
    )


@scoped_view
@require_POST
def arbitrator_act(request, pk: int, arbitrator_id: int, action: str):
    dispute = _dispute(request, pk)
    arbitrator = Arbitrator.objects.filter(pk=arbitrator_id, arbitration__dispute=dispute).first()
    if arbitrator is None:
        raise Http404()
    user = request.user
    if action == "declare":
        form = DeclarationForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return _detail(pk, "arbitration")
        data = form.cleaned_data

        def declare(d):
            result = services.arbitrator_declare(
                arbitrator=arbitrator,
                actor=user,
                grounds=data["grounds"],
                note=data["note"],
                birth_date=data["birth_date"],
            )
            if result.status == ArbitratorStatus.DISQUALIFIED:
                messages.error(
                    request,
                    _("Declaration recorded. This person is disqualified: %(grounds)s.")
                    % {"grounds": "، ".join(services.arbitrator_grounds(result))},
                )
            elif result.grounds:
                messages.warning(
                    request,
                    _(
                        "Declaration recorded. Both parties must agree before this person can serve: "
                        "%(grounds)s."
                    )
                    % {"grounds": "، ".join(services.arbitrator_grounds(result))},
                )
            else:
                messages.success(request, _("Declaration recorded: no disqualifying ground."))

        return _act(request, pk, declare, anchor="arbitration")
    if action in ("waive-claimant", "waive-respondent"):
        role = action.split("-")[1]
        return _act(
            request,
            pk,
            lambda d: services.arbitrator_waive(arbitrator=arbitrator, party=role, actor=user),
            anchor="arbitration",
            success=_("The party's agreement was recorded."),
        )
    if action == "accept":
        return _act(
            request,
            pk,
            lambda d: services.arbitrator_accept(arbitrator=arbitrator, actor=user),
            anchor="arbitration",
            success=_("The arbitrator accepted and was notified."),
        )
    if action == "withdraw":
        reason = request.POST.get("reason") or _("Replaced")
        return _act(
            request,
            pk,
            lambda d: services.arbitrator_withdraw(arbitrator=arbitrator, actor=user, reason=reason),
            anchor="arbitration",
            success=_("The proposal was withdrawn; the seat is free."),
        )
    raise Http404()


@scoped_view
@require_POST
def arbitration_extend(request, pk: int):
    dispute = _dispute(request, pk)
    arbitration = _arbitration_or_404(dispute)
    form = ArbitrationExtendForm(request.POST)
    return _act(
        request,
        pk,
        lambda d, data: services.arbitration_extend(
            arbitration=arbitration,
            actor=request.user,
            days=data["days"],
            agreed_by_both=data["agreed_by_both"],
            note=data["note"],
        ),
        form=form,
        anchor="arbitration",
        success=_("The term was extended."),
    )


@scoped_view
@require_POST
def award_new(request, pk: int):
    dispute = _dispute(request, pk)
    arbitration = _arbitration_or_404(dispute)
    form = AwardForm(request.POST)
    return _act(
        request,
        pk,
        lambda d, data: services.award_record(
            arbitration=arbitration,
            actor=request.user,
            reasoning=data["reasoning"],
            decision=data["decision"],
            decided_on=data["decided_on"],
            amount=data["amount"],
            in_favour_of=data["in_favour_of"] or None,
            dissent=data["dissent"],
        ),
        form=form,
        anchor="arbitration",
        success=_("The award was recorded and delivered to the parties."),
    )


@scoped_view
@require_POST
def award_act(request, pk: int, action: str):
    dispute = _dispute(request, pk)
    arbitration = _arbitration_or_404(dispute)
    award = getattr(arbitration, "award", None)
    if award is None:
        raise Http404()
    if action == "complied":
        return _act(
            request,
            pk,
            lambda d: services.award_mark_complied(award=award, actor=request.user),
            anchor="arbitration",
            success=_("Recorded: the award was complied with."),
        )
    if action == "enforce":
        return _act(
            request,
            pk,
            lambda d: services.award_request_enforcement(award=award, actor=request.user),
            anchor="referrals",
            success=_("The file for the enforcement request is packed."),
        )
    raise Http404()


@scoped_view
@require_GET
def award_pdf(request, pk: int):
    dispute = _dispute(request, pk)
    arbitration = _arbitration_or_404(dispute)
    award = getattr(arbitration, "award", None)
    if award is None:
        raise Http404()
    if not award.pdf:
        services.award_store_pdf(award_id=award.pk)
        award.refresh_from_db()
    return FileResponse(
        award.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"award-{dispute.reference}.pdf",
    )


# --- referral -------------------------------------------------------------------------------------


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
        raise PermissionDenied()
    referral = _referral(dispute, referral_id)
    from tanzim.audit import services as audit

    audit.record_read(actor=request.user, obj=referral, office=dispute.office_id, purpose="referral file")
    response = HttpResponse(
        documents.referral_zip(referral=referral, language=request.LANGUAGE_CODE),
        content_type="application/zip",
    )
    response["Content-Disposition"] = f'attachment; filename="referral-{dispute.reference}-{referral.pk}.zip"'
    return response


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


# --- the respondent joins -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def join(request):
    """Step 1: the join code from the SMS and the respondent's national code. No account needed."""
    initial = {"code": request.GET.get("code", "")[:30]}
    if request.user.is_authenticated and request.user.national_code:
        initial["national_code"] = request.user.national_code
    form = JoinForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.join_start(
                code=form.cleaned_data["code"],
                national_code=form.cleaned_data["national_code"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            request.session[JOIN_SESSION_KEY] = {
                "join_code_id": ticket.join_code_id,
                "national_code": form.cleaned_data["national_code"],
                "masked": ticket.masked_mobile,
            }
            return redirect("disputes:join-verify")
    return render(request, "disputes/join.html", {"form": form})


@require_http_methods(["GET", "POST"])
def join_verify(request):
    """Step 2: the one-time code sent to the invited mobile; then the respondent's page."""
    pending = request.session.get(JOIN_SESSION_KEY)
    if not pending:
        return redirect("disputes:join")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.join_verify(
                join_code_id=pending["join_code_id"],
                national_code=pending["national_code"],
                otp=form.cleaned_data["otp"],
                user=request.user if request.user.is_authenticated else None,
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
            if exc.code in ("sign_in_first", "already_joined", "join_invalid", "other_person"):
                request.session.pop(JOIN_SESSION_KEY, None)
        else:
            request.session.pop(JOIN_SESSION_KEY, None)
            if result.sign_in:
                login(request, result.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome. Here is the dispute you were invited to."))
            return _detail(result.dispute)
    demo = []
    if settings.SHOW_OUTBOX_IN_UI:
        from tanzim.disputes.models import JoinCode

        join_code = JoinCode.objects.select_related("party").filter(pk=pending["join_code_id"]).first()
        if join_code is not None:
            demo = list(outbox_recent(to=join_code.party.mobile, limit=1))
    return render(
        request,
        "disputes/join_verify.html",
        {"form": form, "masked": pending.get("masked"), "demo_messages": demo},
    )
