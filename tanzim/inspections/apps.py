from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "tanzim.inspections"
    label = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        from tanzim.inspections import receivers  # noqa: F401  (connects the receivers)
