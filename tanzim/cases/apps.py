from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "tanzim.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from tanzim.cases import receivers  # noqa: F401
