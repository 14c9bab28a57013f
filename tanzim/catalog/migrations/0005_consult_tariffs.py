"""Consultation priced by its length, and advice on drafting priced by the document (for the
consult app). The published 1403 tariff has no such lines: the prices are placeholders chosen by
the project, like the 30-minute consultation's and the general drafting advice's; the Kanoon
edits them in the admin. Every line is remote only, as the existing advice lines are."""

from django.db import migrations

LINES = [
    # code, Persian name, English name, minutes, base fee (rials)
    ("consultation_60", "مشورت یک‌ساعته", "Consultation (one hour)", 60, 900_000),
    (
        "drafting_advice_notice",
        "مشاوره در نگارش اظهارنامه",
        "Advice on drafting a formal notice",
        30,
        450_000,
    ),
    (
        "drafting_advice_petition",
        "مشاوره در نگارش دادخواست",
        "Advice on drafting a petition",
        30,
        630_000,
    ),
    (
        "drafting_advice_complaint",
        "مشاوره در نگارش شکوائیه",
        "Advice on drafting a criminal complaint",
        30,
        630_000,
    ),
    ("drafting_advice_brief", "مشاوره در نگارش لایحه", "Advice on drafting a brief", 45, 800_000),
]


def add_lines(apps, schema_editor):
    Service = apps.get_model("catalog", "Service")
    FeeSchedule = apps.get_model("catalog", "FeeSchedule")
    Tariff = apps.get_model("catalog", "Tariff")
    for code, name_fa, name_en, minutes, fee in LINES:
        service, _created = Service.objects.update_or_create(
            code=code,
            defaults={
                "name_fa": name_fa,
                "name_en": name_en,
                "category": "advice",
                "in_person": False,
                "semi_in_person": False,
                "remote": True,
                "licence_required": "consultation",
                "duration_minutes": minutes,
            },
        )
        for schedule in FeeSchedule.objects.all():
            Tariff.objects.get_or_create(
                schedule=schedule,
                service=service,
                defaults={
                    "base_fee": fee,
                    "included_parties": 1,
                    "included_pages": 0,
                    "remote_discount_pct": 0,
                    "semi_discount_pct": 0,
                },
            )


def remove_lines(apps, schema_editor):
    Service = apps.get_model("catalog", "Service")
    Tariff = apps.get_model("catalog", "Tariff")
    codes = [line[0] for line in LINES]
    Tariff.objects.filter(service__code__in=codes).delete()
    Service.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_addon_unit")]

    operations = [migrations.RunPython(add_lines, remove_lines)]
