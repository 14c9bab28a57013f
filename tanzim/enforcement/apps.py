from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    name = "tanzim.enforcement"
    label = "enforcement"
    verbose_name = _("Enforcement of civil judgments")

    def ready(self) -> None:
        from tanzim.enforcement import messages, receivers  # noqa: F401  (signal receivers)

        messages.register()
