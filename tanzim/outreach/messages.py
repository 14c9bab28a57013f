"""This app's SMS templates, added to the notify registry when the app is ready."""

from django.utils.translation import gettext_lazy as _

TEMPLATES = {
    "outreach.subscription_confirm": (
        _("Tanzim free service days"),
        _(
            "Tanzim: to get an SMS when free service days are announced in %(area)s, confirm here: "
            "%(url)s If you did not ask, ignore this message."
        ),
    ),
    "outreach.mission_announced": (
        _("Tanzim free service day"),
        _("Tanzim: free legal services in %(place)s (%(area)s) on %(date)s: %(services)s. To stop: %(url)s"),
    ),
}


def register() -> None:
    from tanzim.notify.messages import TEMPLATES as REGISTRY

    REGISTRY.update(TEMPLATES)
