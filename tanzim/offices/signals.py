from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tanzim.offices.models import Holiday
from tanzim.offices.selectors import CALENDAR_CACHE_KEY


@receiver([post_save, post_delete], sender=Holiday)
def holiday_changed(**kwargs):
    cache.delete(CALENDAR_CACHE_KEY)
