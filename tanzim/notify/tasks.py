from celery import shared_task


@shared_task(name="tanzim.notify.tasks.deliver_message")
def deliver_message(message_id: int) -> str:
    from tanzim.notify.services import message_deliver

    return message_deliver(message_id=message_id)


@shared_task(name="tanzim.notify.tasks.deliver_pending")
def deliver_pending() -> int:
    """Sweeper run by beat: retries due messages and takes over claims of crashed workers."""
    from tanzim.notify.services import due_message_ids, message_deliver

    ids = due_message_ids()
    for message_id in ids:
        message_deliver(message_id=message_id)
    return len(ids)
