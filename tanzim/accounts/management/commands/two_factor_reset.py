"""Remove a staff member's authenticator and recovery codes (a lost phone), from the server shell.

For when no administrator can use the admin's action (e.g. the only Kanoon administrator lost
their phone): ``manage.py two_factor_reset <username> --by <operator username>``. The audit event
records who asked. docs/operations.md "Two-step sign-in".
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tanzim.accounts import twofactor
from tanzim.accounts.models import User


class Command(BaseCommand):
    help = "Reset a staff member's two-step sign-in (authenticator, recovery codes) and revoke their tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--by", required=True, help="the username of the administrator doing the reset")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        actor = User.objects.filter(username=options["by"], is_active=True).first()
        if user is None:
            raise CommandError("No such user.")
        if actor is None:
            raise CommandError("--by must name an active account.")
        twofactor.two_factor_reset(actor=actor, user=user)
        self.stdout.write(
            f"Two-step sign-in reset for {user.username}; they set it up again at their next sign-in."
        )
