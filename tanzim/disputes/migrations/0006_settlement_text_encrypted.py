"""Settlement terms and obligations encrypted at rest; existing rows encrypted under the newest key.

An obligation's text was varchar(500); the token is longer, so the column becomes text (the form
and the API still bound the text itself to 500 characters).
"""

from django.db import migrations

import tanzim.common.crypto

forwards, backwards = tanzim.common.crypto.encrypt_columns_migration(
    ("disputes", "Settlement", "terms"), ("disputes", "Obligation", "description")
)


class Migration(migrations.Migration):
    dependencies = [("disputes", "0005_triage_criminal_not_arbitrable")]

    operations = [
        migrations.AlterField(
            model_name="settlement",
            name="terms",
            field=tanzim.common.crypto.EncryptedTextField(blank=True, verbose_name="what the parties agreed"),
        ),
        migrations.AlterField(
            model_name="obligation",
            name="description",
            field=tanzim.common.crypto.EncryptedTextField(max_length=500, verbose_name="what"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
