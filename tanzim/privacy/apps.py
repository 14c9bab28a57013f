from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "tanzim.privacy"
    label = "privacy"
    verbose_name = _("Confidential data")

    def ready(self) -> None:
        from tanzim.privacy import messages  # noqa: F401  (adds its message templates to the outbox's)
