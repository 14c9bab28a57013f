from django.db import migrations


def load(apps, schema_editor):
    from tanzim.catalog.services import tariff_load

    tariff_load(
        service_model=apps.get_model("catalog", "Service"),
        schedule_model=apps.get_model("catalog", "FeeSchedule"),
        tariff_model=apps.get_model("catalog", "Tariff"),
        addon_model=apps.get_model("catalog", "AddOn"),
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
