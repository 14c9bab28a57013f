"""The complaint text (Complaint.description) encrypted at rest; existing rows encrypted (newest key)."""

from django.db import migrations

import tanzim.common.crypto

forwards, backwards = tanzim.common.crypto.encrypt_columns_migration(("feedback", "Complaint", "description"))


class Migration(migrations.Migration):
    dependencies = [("feedback", "0004_survey_publication")]

    operations = [
        migrations.AlterField(
            model_name="complaint",
            name="description",
            field=tanzim.common.crypto.EncryptedTextField(verbose_name="what happened"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
