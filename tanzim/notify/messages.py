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
}
