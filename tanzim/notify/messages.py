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
