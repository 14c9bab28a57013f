"""Django app config for shared, model-free helpers."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    """Pure functions (identifiers, Jalali dates, deadlines, money) used by every other app."""

    name = "tanzim.common"
    label = "common"
    verbose_name = _("Common")

    def ready(self) -> None:
        # The deployment checks register themselves on import; Celery tasks carry the request id.
        from tanzim.common import checks  # noqa: F401
        from tanzim.common.logs import connect_celery_signals
        from tanzim.common.metrics import connect_celery_signals as connect_task_metrics

        connect_celery_signals()
        connect_task_metrics()  # task durations and failures for /metrics
