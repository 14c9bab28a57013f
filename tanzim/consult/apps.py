from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultConfig(AppConfig):
    name = "tanzim.consult"
    label = "consult"
    verbose_name = _("Consultation and drafting")

    def ready(self) -> None:
        from tanzim.consult import receivers, workflows  # noqa: F401  (signal receivers, workflow registry)
