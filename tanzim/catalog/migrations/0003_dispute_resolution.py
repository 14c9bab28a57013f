"""The office's resolution fee for a settled dispute, as a tariff line (added for the disputes app).

The published 1403 tariff has no such line: 1,500,000 rials is a placeholder chosen by the
project, like the advice services' prices; the Kanoon edits it in the admin.
"""

from django.db import migrations, models

RESOLUTION_FEE = 1_500_000


def add_service(apps, schema_editor):
    Service = apps.get_model("catalog", "Service")
    FeeSchedule = apps.get_model("catalog", "FeeSchedule")
    Tariff = apps.get_model("catalog", "Tariff")
    service, _created = Service.objects.update_or_create(
        code="dispute_resolution",
        defaults={
            "name_fa": "حل اختلاف و صلح (گزارش اصلاحی)",
            "name_en": "Dispute resolution (settlement report)",
            "category": "dispute",
            "in_person": True,
            "semi_in_person": False,
            "remote": True,
            "licence_required": "mediation",
            "duration_minutes": 60,
        },
    )
    for schedule in FeeSchedule.objects.all():
        Tariff.objects.get_or_create(
            schedule=schedule,
            service=service,
            defaults={"base_fee": RESOLUTION_FEE, "included_parties": 2, "included_pages": 0},
        )


def remove_service(apps, schema_editor):
    Service = apps.get_model("catalog", "Service")
    Tariff = apps.get_model("catalog", "Tariff")
    Tariff.objects.filter(service__code="dispute_resolution").delete()
    Service.objects.filter(code="dispute_resolution").delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_tariff_1403")]

    operations = [
        migrations.AlterField(
            model_name="service",
            name="category",
            field=models.CharField(
                choices=[
                    ("filing", "Filing"),
                    ("sana", "SANA judicial identity"),
                    ("payment", "Payments"),
                    ("followup", "Follow-up and reports"),
                    ("certificate", "Certificates"),
                    ("licence", "Licences"),
                    ("advice", "Consultation and advice"),
                    ("dispute", "Dispute resolution"),
                ],
                max_length=20,
                verbose_name="category",
            ),
        ),
        migrations.RunPython(add_service, remove_service),
    ]
