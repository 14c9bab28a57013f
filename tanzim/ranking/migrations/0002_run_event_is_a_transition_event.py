import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Left, Length


def shorten_notes(apps, schema_editor):
    """A run event's note becomes its reason (at most 300 characters, like every event's)."""
    events = apps.get_model("ranking", "RankingRunEvent")
    events.objects.annotate(length=Length("note")).filter(length__gt=300).update(note=Left("note", 300))


class Migration(migrations.Migration):
    dependencies = [
        ("ranking", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(shorten_notes, migrations.RunPython.noop),
        migrations.RenameField(model_name="rankingrunevent", old_name="note", new_name="reason"),
        migrations.AlterField(
            model_name="rankingrunevent",
            name="reason",
            field=models.CharField(blank=True, max_length=300, verbose_name="reason"),
        ),
        migrations.AddField(
            model_name="rankingrunevent",
            name="on_behalf_of",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="on behalf of",
            ),
        ),
        migrations.AlterField(
            model_name="rankingrunevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="actor",
            ),
        ),
        migrations.AlterField(
            model_name="rankingrunevent",
            name="created_at",
            field=models.DateTimeField(db_index=True, verbose_name="time"),
        ),
        migrations.AlterField(
            model_name="rankingrunevent",
            name="from_status",
            field=models.CharField(blank=True, max_length=20, verbose_name="from"),
        ),
        migrations.AlterField(
            model_name="rankingrunevent",
            name="to_status",
            field=models.CharField(max_length=20, verbose_name="to"),
        ),
    ]
