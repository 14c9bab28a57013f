"""The seed diagnosis trees (tanzim/consult/data/trees/*.json), published as version 1.

Later edits are the Kanoon's (new versions through the editor); this migration only creates a
tree that does not exist yet, so re-running it never overwrites an edited tree.
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA = Path(__file__).resolve().parents[1] / "data" / "trees"


def load(apps, schema_editor):
    Tree = apps.get_model("consult", "Tree")
    TreeVersion = apps.get_model("consult", "TreeVersion")
    now = timezone.now()
    for file in sorted(DATA.glob("*.json")):
        data = json.loads(file.read_text(encoding="utf-8"))
        if Tree.objects.filter(slug=data["slug"]).exists():
            continue
        tree = Tree.objects.create(
            slug=data["slug"],
            family=data["family"],
            title_fa=data["title_fa"],
            title_en=data.get("title_en", ""),
            position=data.get("position", 100),
        )
        version = TreeVersion.objects.create(
            tree=tree,
            number=1,
            definition=data["definition"],
            node_count=len(data["definition"]["nodes"]),
            note="seed",
            published_at=now,
        )
        tree.published = version
        tree.save(update_fields=["published"])


class Migration(migrations.Migration):
    dependencies = [("consult", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
