"""The law's numbers and the exempt categories, as data the Kanoon can update."""

from django.db import migrations


def seed(apps, schema_editor):
    from tanzim.enforcement.rules import DEFAULTS, EXEMPT_DEFAULTS

    Rule = apps.get_model("enforcement", "Rule")
    ExemptCategory = apps.get_model("enforcement", "ExemptCategory")
    for key, default in DEFAULTS.items():
        Rule.objects.update_or_create(
            key=key,
            defaults={
                "value": default.value,
                "unit": default.unit,
                "article": default.article,
                "confirmed": default.confirmed,
            },
        )
    for code, name_fa, name_en, confirmed in EXEMPT_DEFAULTS:
        ExemptCategory.objects.update_or_create(
            code=code,
            defaults={"name_fa": name_fa, "name_en": name_en, "article": "1394 Law 24", "confirmed": confirmed},
        )


def unseed(apps, schema_editor):
    apps.get_model("enforcement", "Rule").objects.all().delete()
    apps.get_model("enforcement", "ExemptCategory").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("enforcement", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
