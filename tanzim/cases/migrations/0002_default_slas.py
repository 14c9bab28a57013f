from django.db import migrations

# Working days the office has in each status (editable in the admin).
DEFAULTS = {"submitted": 1, "resubmitted": 1, "in_review": 2, "paid": 1, "awaiting_payment": 5, "needs_correction": 10}


def load(apps, schema_editor):
    StatusSla = apps.get_model("cases", "StatusSla")
    for status, days in DEFAULTS.items():
        StatusSla.objects.get_or_create(status=status, defaults={"working_days": days})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
