"""The request text (Case.claim_text) encrypted at rest; existing rows encrypted under the newest key."""

from django.db import migrations

import tanzim.common.crypto

forwards, backwards = tanzim.common.crypto.encrypt_columns_migration(("cases", "Case", "claim_text"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_review_notice")]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="claim_text",
            field=tanzim.common.crypto.EncryptedTextField(blank=True, verbose_name="request text"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
