from django.db.models import QuerySet

from tanzim.notify.models import Message


def message_list_for(*, user, limit: int = 20) -> QuerySet[Message]:
    """A person's own messages (the demo inbox); staff see no one else's."""
    if not user.is_authenticated:
        return Message.objects.none()
    return Message.objects.filter(recipient=user).order_by("-created_at")[:limit]


def outbox_recent(*, to: str, limit: int = 5) -> QuerySet[Message]:
    """Recent messages to one number: the embedded default shows them so a demo user can read an OTP."""
    return Message.objects.filter(to=to).order_by("-created_at")[:limit]
