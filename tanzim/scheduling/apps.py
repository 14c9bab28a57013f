from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "tanzim.scheduling"
    label = "scheduling"
    verbose_name = _("Appointments and queues")

    def ready(self) -> None:
        from tanzim.scheduling import signals  # noqa: F401  (connects the receivers)
