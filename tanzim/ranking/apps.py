from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RankingConfig(AppConfig):
    name = "tanzim.ranking"
    label = "ranking"
    verbose_name = _("Office ranking")
