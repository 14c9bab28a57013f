from django.db import migrations


def load(apps, schema_editor):
    from tanzim.offices.services import reference_data_load

    reference_data_load(
        province_model=apps.get_model("offices", "Province"),
        city_model=apps.get_model("offices", "City"),
        holiday_model=apps.get_model("offices", "Holiday"),
    )


class Migration(migrations.Migration):
    dependencies = [("offices", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
