"""The seed drafting interviews (tanzim/consult/data/interviews/*.json), published as version 1;
an interview that exists already is left as the Kanoon edited it."""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA = Path(__file__).resolve().parents[1] / "data" / "interviews"


def load(apps, schema_editor):
    Interview = apps.get_model("consult", "Interview")
    InterviewVersion = apps.get_model("consult", "InterviewVersion")
    for file in sorted(DATA.glob("*.json")):
        data = json.loads(file.read_text(encoding="utf-8"))
        if Interview.objects.filter(slug=data["slug"]).exists():
            continue
        interview = Interview.objects.create(
            slug=data["slug"],
            title_fa=data["title_fa"],
            title_en=data.get("title_en", ""),
            service_code=data["service_code"],
            position=data.get("position", 100),
        )
        version = InterviewVersion.objects.create(
            interview=interview, number=1, definition=data["definition"], note="seed", published_at=timezone.now()
        )
        interview.published = version
        interview.save(update_fields=["published"])


class Migration(migrations.Migration):
    dependencies = [("consult", "0002_seed_trees")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
