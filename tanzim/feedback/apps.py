from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "tanzim.feedback"
    label = "feedback"
    verbose_name = _("Surveys and complaints")

    def ready(self) -> None:
        from tanzim.feedback import receivers  # noqa: F401  (connects the receivers)
