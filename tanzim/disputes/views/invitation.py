"""The respondent joins with the code from the SMS and a one-time code; no account needed."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tanzim.common.errors import DomainError
from tanzim.common.http import client_ip
from tanzim.common.views import run_service
from tanzim.disputes import services
from tanzim.disputes.forms import JoinForm, OtpForm
from tanzim.disputes.views._common import _detail
from tanzim.notify.selectors import outbox_recent

JOIN_SESSION_KEY = "dispute_join"


@require_http_methods(["GET", "POST"])
def join(request):
    """Step 1: the join code from the SMS and the respondent's national code. No account needed."""
    initial = {"code": request.GET.get("code", "")[:30]}
    if request.user.is_authenticated and request.user.national_code:
        initial["national_code"] = request.user.national_code
    form = JoinForm(request.POST or None, initial=initial)
    if request.method == "POST":
        started = run_service(
            request,
            form,
            lambda data: services.join_start(
                code=data["code"], national_code=data["national_code"], ip=client_ip(request)
            ),
        )
        if started.ok:
            ticket = started.value
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
