from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "tanzim.outreach"
    label = "outreach"
    verbose_name = _("Outreach")

    def ready(self) -> None:
        from tanzim.outreach import messages

        messages.register()
