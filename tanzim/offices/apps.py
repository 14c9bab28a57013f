from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficesConfig(AppConfig):
    name = "tanzim.offices"
    label = "offices"
    verbose_name = _("Offices")

    def ready(self):
        from tanzim.offices import signals  # noqa: F401
