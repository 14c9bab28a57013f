"""Receivers: a page sign-out and an ended or deleted role revoke the person's API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from tanzim.accounts.models import RoleAssignment, User
from tanzim.accounts.services import api_tokens_revoke_all


@receiver(user_logged_out, dispatch_uid="accounts.revoke_tokens_at_logout")
def _revoke_at_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if isinstance(user, User):
        api_tokens_revoke_all(user=user, reason="signed_out")


@receiver(post_save, sender=RoleAssignment, dispatch_uid="accounts.revoke_tokens_role_ended")
def _revoke_when_role_ended(sender: Any, instance: RoleAssignment, created: bool, **kwargs: Any) -> None:
    # Saved with an end in the past (an administrator ended it in the admin).
    if instance.valid_until is not None and instance.valid_until <= timezone.now():
        api_tokens_revoke_all(user=instance.user, reason="role_ended")


@receiver(post_delete, sender=RoleAssignment, dispatch_uid="accounts.revoke_tokens_role_deleted")
def _revoke_when_role_deleted(sender: Any, instance: RoleAssignment, **kwargs: Any) -> None:
    if User.objects.filter(pk=instance.user_id).exists():  # not when the whole user is deleted
        api_tokens_revoke_all(user=instance.user, reason="role_ended")
