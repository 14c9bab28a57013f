from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "tanzim.membership"
    label = "membership"
    verbose_name = _("New offices and member services")

    def ready(self) -> None:
        from tanzim.membership import messages, receivers  # noqa: F401  (signal receivers)

        messages.register()
