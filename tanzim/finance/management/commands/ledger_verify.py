"""``manage.py ledger_verify``: recompute the ledger and exit non-zero if anything is off."""

from django.core.management.base import BaseCommand, CommandError

from tanzim.finance.ledger import ledger_verify


class Command(BaseCommand):
    help = "Check that every ledger transaction balances and that payments and refunds agree with the ledger."

    def add_arguments(self, parser):
        parser.add_argument(
            "--balances", action="store_true", help="Print the trial balance by account purpose."
        )

    def handle(self, *args, balances: bool, **options):
        report = ledger_verify()
        self.stdout.write(
            f"{report.transactions} transactions, {report.entries} entries, "
            f"debits {report.total_debits:,} = credits {report.total_credits:,} rials; "
            f"{report.payments_checked} captured payments checked."
        )
        if balances:
            for purpose, balance in report.trial_balance.items():
                self.stdout.write(f"  {purpose:<20} {balance:>20,}")
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(f"PROBLEM: {problem}")
            raise CommandError(f"The ledger has {len(report.problems)} problem(s).")
        self.stdout.write(self.style.SUCCESS("The ledger is balanced."))
