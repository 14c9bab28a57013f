import datetime

from django.db import migrations

# The rates the Kanoon starts with (rials): per-diem per person per day, travel per kilometre
# (paid both ways), and each service's normal price (the price a free service's receipt shows).
RATES = {
    "per_diem": 25_000_000,
    "travel_km": 150_000,
    "sana": 1_500_000,
    "complaint": 3_000_000,
    "petition": 3_000_000,
    "brief": 2_500_000,
    "notice": 1_000_000,
    "advice": 5_000_000,
}


def load(apps, schema_editor):
    Rate = apps.get_model("outreach", "Rate")
    for key, amount in RATES.items():
        Rate.objects.get_or_create(key=key, valid_from=datetime.date(2020, 1, 1), defaults={"amount": amount})


class Migration(migrations.Migration):
    dependencies = [("outreach", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
