from django.db import migrations, models


def per_page(apps, schema_editor):
    """Typing and printing are priced per page in the tariff file; the loader now keeps the unit."""
    AddOn = apps.get_model("catalog", "AddOn")
    AddOn.objects.filter(code__in=["typing", "printing"]).update(unit="per_page")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_dispute_resolution")]

    operations = [
        migrations.AddField(
            model_name="addon",
            name="unit",
            field=models.CharField(
                choices=[("per_request", "per request"), ("per_page", "per page")],
                default="per_request",
                max_length=12,
                verbose_name="counted",
            ),
        ),
        migrations.RunPython(per_page, migrations.RunPython.noop),
    ]
