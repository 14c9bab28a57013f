"""Dues and premiums month by month: the Kanoon runs a month; an office manager sees its dues."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.common.jalali import JalaliMonth
from tanzim.common.views import run_service, scoped_view
from tanzim.membership.forms import MonthRunForm
from tanzim.membership.models import DuesCharge
from tanzim.membership.services.monthly import member_month_run, month_figures
from tanzim.membership.views import _managed_offices


@scoped_view
def dues(request):
    kanoon = is_kanoon(request.user)
    offices = _managed_offices(request.user)
    if not kanoon and not offices:
        raise Http404()
    this_month = JalaliMonth.of(timezone.now())
    form = MonthRunForm(initial={"month": str(this_month)}) if kanoon else None
    status = 200
    if kanoon and request.method == "POST":
        form = MonthRunForm(request.POST)
        done = run_service(
            request,
            form,
            lambda d: member_month_run(
                actor=request.user,
                month=JalaliMonth.parse(d["month"], field="month"),
                dues_amount=d["dues_amount"],
            ),
            success=_("The month's dues and premiums are posted."),
        )
        if done.ok:
            return redirect("membership:dues")
        status = 400
    language = get_language() or "fa"
    figures = [month_figures(this_month.shift(-i)) for i in range(6)] if kanoon else []
    charges = DuesCharge.objects.filter(office__in=offices).select_related("office").order_by("-month")[:36]
    context = {
        "form": form,
        "months": [(m, m.month.label(language)) for m in figures],
        "charges": [(c, JalaliMonth.from_key(c.month).label(language)) for c in charges],
    }
    return render(request, "membership/dues.html", context, status=status)
