from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "tanzim.disputes"
    label = "disputes"
    verbose_name = _("Dispute resolution")

    def ready(self) -> None:
        from tanzim.disputes import receivers  # noqa: F401  (signal receivers)
