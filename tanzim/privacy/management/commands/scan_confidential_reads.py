from django.core.management.base import BaseCommand

from tanzim.privacy.services import read_alerts_scan


class Command(BaseCommand):
    help = "Raise today's alerts on accounts reading far more confidential records than their daily pattern."

    def handle(self, *args, **options):
        alerts = read_alerts_scan()
        for alert in alerts:
            self.stdout.write(
                f"account #{alert.account_id}: {alert.reads} records today (median {alert.median}, "
                f"alert above {alert.threshold})"
            )
        self.stdout.write(self.style.SUCCESS(f"{len(alerts)} new alert(s)"))
