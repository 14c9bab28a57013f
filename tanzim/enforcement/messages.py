"""This app's SMS templates, added to the notify registry when the app is ready."""

from django.utils.translation import gettext_lazy as _

TEMPLATES = {
    "enforcement.update": (
        _("Tanzim enforcement file"),
        _("Tanzim: enforcement file %(number)s: %(event)s %(url)s"),
    ),
}


def register() -> None:
    from tanzim.notify.messages import TEMPLATES as REGISTRY

    REGISTRY.update(TEMPLATES)
