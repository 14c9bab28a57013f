"""SMS templates of the membership app, added to the notify app's table when the app is ready."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TEMPLATES = {
    "membership.admitted": (
        _("Welcome to Tanzim"),
        _(
            "Tanzim: you passed the offices' exam. Sign in to Tanzim with this mobile to start the "
            "steps to open your office."
        ),
    ),
    "membership.step_overdue": (
        _("A step of your new office is late"),
        _("Tanzim: the step “%(step)s” of opening your office was due on %(due)s. Open Tanzim to finish it."),
    ),
    "membership.sent_back": (
        _("A step of your new office was sent back"),
        _("Tanzim: the step “%(step)s” was sent back: %(reason)s"),
    ),
    "membership.opened": (
        _("Your office is open"),
        _("Tanzim: your office %(code)s is open and in the directory. Its licence is valid until %(until)s."),
    ),
    "membership.instalment_overdue": (
        _("Loan instalment overdue"),
        _("Tanzim: instalment %(number)s of your loan (%(amount)s rials) was due on %(due)s."),
    ),
}


def register() -> None:
    from tanzim.notify.messages import TEMPLATES as NOTIFY_TEMPLATES

    NOTIFY_TEMPLATES.update(TEMPLATES)
