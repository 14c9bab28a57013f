"""The triage note in English too (an English page no longer shows the Persian reason), and
family claims (مهریه، نفقه، جهیزیه) over the peace-court ceiling go to settlement first: the
ceiling limits the peace court's jurisdiction to decide, not an attempt at settlement."""

import json
from pathlib import Path

from django.db import migrations, models

DATA = Path(__file__).resolve().parent.parent / "data" / "triage_rules.json"
FAMILY = ("mahriyeh", "nafaqeh", "jahiziyeh")
FIELDS = ("over_ceiling_path", "over_ceiling_referral_target", "note_fa", "note_en")


def family_settle_first(apps, schema_editor):
    TriageRule = apps.get_model("disputes", "TriageRule")
    for item in json.loads(DATA.read_text(encoding="utf-8"))["rules"]:
        if item["category"] in FAMILY:
            TriageRule.objects.filter(category=item["category"]).update(**{k: item[k] for k in FIELDS})


def court_above_ceiling(apps, schema_editor):
    TriageRule = apps.get_model("disputes", "TriageRule")
    TriageRule.objects.filter(category__in=FAMILY).update(over_ceiling_path="court")


class Migration(migrations.Migration):
    dependencies = [("disputes", "0007_files_encrypted_at_rest")]

    operations = [
        migrations.AddField(
            model_name="dispute",
            name="triage_note_en",
            field=models.CharField(blank=True, max_length=300, verbose_name="triage note (English)"),
        ),
        migrations.RunPython(family_settle_first, court_above_ceiling),
    ]
