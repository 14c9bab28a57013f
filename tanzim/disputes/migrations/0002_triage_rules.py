"""Default triage rules, loaded as data; the Kanoon edits them in the admin."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "triage_rules.json"


def load(apps, schema_editor):
    TriageRule = apps.get_model("disputes", "TriageRule")
    for item in json.loads(DATA.read_text(encoding="utf-8"))["rules"]:
        category = item.pop("category")
        TriageRule.objects.update_or_create(category=category, defaults=item)


def unload(apps, schema_editor):
    apps.get_model("disputes", "TriageRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial"), ("catalog", "0003_dispute_resolution")]
    operations = [migrations.RunPython(load, unload)]
