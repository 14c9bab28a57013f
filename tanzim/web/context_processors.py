from django.conf import settings

from tanzim.accounts.selectors import home_kind


def tanzim(request):
    user = getattr(request, "user", None)
    authenticated = bool(user and user.is_authenticated)
    return {
        "home_kind": home_kind(user) if authenticated else None,
        "show_outbox": settings.SHOW_OUTBOX_IN_UI,
    }
