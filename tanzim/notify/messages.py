"""Message templates. Each is a translatable string rendered in the recipient's language."""

from django.utils.translation import gettext_lazy as _

TEMPLATES = {
    "accounts.otp": (
        _("Tanzim sign-in code"),
        _("Your Tanzim code is %(code)s. It is valid for %(minutes)s minutes. Never share it with anyone."),
    ),
    "accounts.signup_exists": (
        _("Tanzim sign-up attempt"),
        _("Someone tried to sign up to Tanzim with your national code. If it was you, sign in instead."),
    ),
    "accounts.locked": (
        _("Tanzim account locked"),
        _("Too many failed sign-in attempts on your Tanzim account. It is locked for %(minutes)s minutes."),
    ),
    "accounts.slowed": (
        _("Failed sign-ins on your Tanzim account"),
        _(
            "Several wrong passwords were tried on your Tanzim account; further tries now have to wait."
            " You can still sign in with your password and the code from your authenticator app."
        ),
    ),
    "cases.needs_correction": (
        _("Your request needs a correction"),
        _("Tanzim: request %(code)s (%(service)s) needs a correction. Open it in Tanzim to see what to fix."),
    ),
    "cases.awaiting_payment": (
        _("Your request is ready for payment"),
        _("Tanzim: request %(code)s (%(service)s) was verified. Pay the fee in Tanzim to file it."),
    ),
    "cases.filed": (
        _("Your request was filed"),
        _("Tanzim: request %(code)s (%(service)s) was filed with the judiciary. Keep the tracking code."),
    ),
    "cases.rejected": (
        _("Your request was not accepted"),
        _("Tanzim: request %(code)s (%(service)s) was not accepted. Open it in Tanzim to see why."),
    ),
}

# --- finance (appended by the finance app) ---
TEMPLATES.update(
    {
        "finance.payment_captured": (
            _("Tanzim payment received"),
            _(
                "Tanzim: your payment of %(amount)s rials to %(office)s was received. "
                "Reference: %(reference)s"
            ),
        ),
        "finance.payment_refunded": (
            _("Tanzim refund"),
            _(
                "Tanzim: %(amount)s rials of your payment %(reference)s to %(office)s is being returned "
                "to you. Reason: %(reason)s"
            ),
        ),
    }
)

# --- scheduling (appointments and the office queue) ----------------------------------
TEMPLATES.update(
    {
        "scheduling.flexible_farther": (
            _("Why your Tanzim appointment is farther away"),
            _(
                "The offices near you have no free place in your dates, so we booked %(office)s for "
                "%(service)s (%(when)s). To wait for a nearer time instead, open: %(url)s"
            ),
        ),
        "scheduling.confirmed": (
            _("Tanzim appointment booked"),
            _(
                "Your appointment for %(service)s at %(office)s is booked: %(when)s. Code %(reference)s. "
                "Address: %(address)s. Details, cancel or change: %(url)s"
            ),
        ),
        "scheduling.reminder_24h": (
            _("Tanzim appointment tomorrow"),
            _(
                "Reminder: your appointment for %(service)s at %(office)s is %(when)s. Code %(reference)s. "
                "Check in from %(early)s minutes before. Cannot come? Cancel so someone else can: %(url)s"
            ),
        ),
        # A consultation call (video, phone) at a consultant's time: nobody comes to the office.
        "scheduling.confirmed_remote": (
            _("Tanzim consultation call booked"),
            _(
                "Your consultation call (%(service)s, %(office)s) is booked: %(when)s. Code %(reference)s. "
                "The consultant calls you at this time. Details or cancel: %(url)s"
            ),
        ),
        "scheduling.reminder_24h_remote": (
            _("Tanzim consultation call tomorrow"),
            _(
                "Reminder: your consultation call (%(service)s, %(office)s) is %(when)s. Code %(reference)s. "
                "Keep your phone at hand. Cannot take it? Cancel: %(url)s"
            ),
        ),
        "scheduling.reminder_2h_remote": (
            _("Tanzim consultation call soon"),
            _("Your consultation call is at %(when)s. Code %(reference)s. Have your papers ready. %(url)s"),
        ),
        "scheduling.cancelled_remote": (
            _("Tanzim consultation call cancelled"),
            _(
                "Your consultation call on %(when)s (code %(reference)s) was cancelled. "
                "Reason: %(reason)s. %(url)s"
            ),
        ),
        "scheduling.reminder_2h": (
            _("Tanzim appointment soon"),
            _(
                "Your appointment at %(office)s is at %(when)s. Code %(reference)s. "
                "Bring your national card and original documents. %(url)s"
            ),
        ),
        "scheduling.cancelled": (
            _("Tanzim appointment cancelled"),
            _(
                "Your appointment at %(office)s on %(when)s (code %(reference)s) "
                "was cancelled by the office. "
                "Reason: %(reason)s. Book another time: %(url)s"
            ),
        ),
        "scheduling.rescheduled": (
            _("Tanzim appointment moved"),
            _(
                "Your appointment for %(service)s is now at %(office)s, %(when)s. New code %(reference)s. "
                "%(url)s"
            ),
        ),
    }
)

# --- feedback (surveys and complaints) ------------------------------------------------
TEMPLATES.update(
    {
        "feedback.survey_invitation": (
            _("How did we do?"),
            _(
                "Tanzim: how was your service at %(office)s? Six quick questions, under a minute, "
                "anonymous: %(url)s (valid until %(until)s)"
            ),
        ),
        "feedback.complaint_received": (
            _("Tanzim complaint received"),
            _(
                "Tanzim: your complaint about %(office)s was received. Reference %(reference)s. "
                "It will be acknowledged by %(due)s. Follow it here: %(url)s"
            ),
        ),
        "feedback.complaint_acknowledged": (
            _("Tanzim complaint acknowledged"),
            _(
                "Tanzim: complaint %(reference)s is being reviewed by the Kanoon. "
                "A decision is due by %(due)s. %(url)s"
            ),
        ),
        "feedback.complaint_decided": (
            _("Tanzim complaint decided"),
            _("Tanzim: a decision was made on complaint %(reference)s: %(outcome)s. Reasons: %(url)s"),
        ),
    }
)

# --- inspections ----------------------------------------------------------------------
TEMPLATES.update(
    {
        "inspections.completed": (
            _("Tanzim inspection result"),
            _(
                "Tanzim: the inspection of %(office)s is complete. Score: %(score)s. "
                "Findings and corrective actions: %(url)s"
            ),
        ),
        "inspections.action_overdue": (
            _("Tanzim corrective action overdue"),
            _(
                "Tanzim: a corrective action for %(office)s was due on %(due)s and is not done yet. "
                "Report what was done: %(url)s"
            ),
        ),
    }
)

# --- disputes (pre-court dispute resolution) -------------------------------------------
TEMPLATES.update(
    {
        "disputes.opened": (
            _("Tanzim dispute registered"),
            _(
                "Tanzim: your dispute (%(category)s) was registered at %(office)s. Reference %(reference)s. "
                "The office will now invite the other party to settle it without going to court. %(url)s"
            ),
        ),
        "disputes.opened_with_deadline": (
            _("Tanzim dispute registered: your time limit keeps running"),
            _(
                "Tanzim: your dispute (%(category)s) was registered at %(office)s. Reference %(reference)s. "
                "%(warning)s %(url)s"
            ),
        ),
        "disputes.invitation": (
            _("Invitation to settle a dispute"),
            _(
                "Tanzim: %(claimant)s asked %(office)s to help settle a dispute with you (%(category)s) "
                "without going to court. Your join code is %(code)s, valid until %(until)s. "
                "Enter it at %(url)s"
            ),
        ),
        "disputes.invitation_reminder": (
            _("Reminder: invitation to settle a dispute"),
            _(
                "Tanzim reminder: %(claimant)s is waiting for your answer about settling a dispute at "
                "%(office)s (%(category)s). Your new join code is %(code)s, valid until %(until)s. %(url)s"
            ),
        ),
        "disputes.join_otp": (
            _("Tanzim code"),
            _(
                "Your Tanzim code to join dispute %(reference)s is %(code)s. It is valid for %(minutes)s "
                "minutes. Never share it with anyone."
            ),
        ),
        "disputes.sign_otp": (
            _("Tanzim signing code"),
            _(
                "Your code to SIGN the settlement of dispute %(reference)s (%(count)s obligations, payments "
                "%(total)s rials) is %(code)s. Valid for %(minutes)s minutes. Give it only if you agree."
            ),
        ),
        "disputes.sign_request": (
            _("Settlement ready to sign"),
            _(
                "Tanzim: the settlement report of dispute %(reference)s at %(office)s is ready. Read it and "
                "sign it with a code sent to this number: %(url)s"
            ),
        ),
        "disputes.session_scheduled": (
            _("Tanzim session"),
            _("Tanzim: %(kind)s for dispute %(reference)s on %(when)s. Where: %(where)s. %(url)s"),
        ),
        "disputes.settled": (
            _("Dispute settled"),
            _(
                "Tanzim: every party signed the settlement of dispute %(reference)s. The signed report is "
                "at %(url)s"
            ),
        ),
        "disputes.failed": (
            _("Dispute not settled"),
            _(
                "Tanzim: the attempt to settle dispute %(reference)s ended (%(reason)s). %(office)s can "
                "refer it to a council or court, or to arbitration if both sides agree. %(url)s"
            ),
        ),
        "disputes.withdrawn": (
            _("Dispute withdrawn"),
            _("Tanzim: dispute %(reference)s at %(office)s was withdrawn by the claimant."),
        ),
        "disputes.referred": (
            _("Dispute referred"),
            _("Tanzim: dispute %(reference)s was referred to the %(target)s with its file. %(url)s"),
        ),
        "disputes.referral_sent": (
            _("Referral tracking reference"),
            _("Tanzim: dispute %(reference)s reached the %(target)s. Its tracking reference: %(tracking)s"),
        ),
        "disputes.arbitration_active": (
            _("Arbitration started"),
            _(
                "Tanzim: every arbitrator of dispute %(reference)s accepted. The award is due by %(until)s. "
                "%(url)s"
            ),
        ),
        "disputes.arbitrator_appointed": (
            _("Arbitrator appointment"),
            _("Tanzim: you are appointed arbitrator (%(seat)s) in dispute %(reference)s at %(office)s."),
        ),
        "disputes.awarded": (
            _("Arbitral award"),
            _(
                "Tanzim: the arbitral award in dispute %(reference)s was recorded. Your periods to comply "
                "or to ask for its annulment run from the day it is notified to you. Read it at %(url)s"
            ),
        ),
        "disputes.award_notified": (
            _("Notice of the arbitral award"),
            _(
                "Tanzim: the arbitral award in dispute %(reference)s was notified to you on %(on)s. "
                "%(comply)sA petition to annul it may be filed by %(annul)s (art. 490). %(url)s"
            ),
        ),
    }
)
