"""The first questionnaire: six statements in the spirit of the CourTools access and fairness
survey, answered on a five-point scale (strongly disagree … strongly agree)."""

from django.db import migrations

ITEMS = [
    (
        "access",
        False,
        "دسترسی به دفتر (حضوری، تلفنی یا اینترنتی) آسان بود.",
        "Reaching the office (in person, by phone or online) was easy.",
    ),
    (
        "courtesy",
        False,
        "کارکنان با ادب و احترام با من رفتار کردند.",
        "The staff treated me with courtesy and respect.",
    ),
    (
        "clarity",
        False,
        "مراحل، مدارک لازم و هزینه‌ها به‌روشنی برایم توضیح داده شد.",
        "The steps, the documents needed and the fees were explained clearly.",
    ),
    (
        "timeliness",
        False,
        "کار من در زمانی معقول انجام شد.",
        "My matter was handled in a reasonable time.",
    ),
    (
        "fairness",
        False,
        "با من منصفانه و مانند دیگران رفتار شد.",
        "I was treated fairly, the same as everyone else.",
    ),
    (
        "overall",
        True,
        "در مجموع از خدمات این دفتر راضی هستم.",
        "Overall, I am satisfied with the service of this office.",
    ),
]


def create(apps, schema_editor):
    Questionnaire = apps.get_model("feedback", "Questionnaire")
    Item = apps.get_model("feedback", "QuestionnaireItem")
    if Questionnaire.objects.filter(version=1).exists():
        return
    questionnaire = Questionnaire.objects.create(
        version=1,
        title_fa="نظرسنجی رضایت مراجعان",
        title_en="Client satisfaction survey",
        intro_fa="شش پرسش کوتاه، کمتر از یک دقیقه. پاسخ شما بی‌نام است و دفتر نمی‌داند چه کسی پاسخ داده است.",
        intro_en="Six short questions, under a minute. Your answers are anonymous: the office cannot see who answered.",
        active=True,
    )
    Item.objects.bulk_create(
        [
            Item(
                questionnaire=questionnaire,
                position=position,
                dimension=dimension,
                required=required,
                text_fa=text_fa,
                text_en=text_en,
            )
            for position, (dimension, required, text_fa, text_en) in enumerate(ITEMS, start=1)
        ]
    )


def remove(apps, schema_editor):
    apps.get_model("feedback", "Questionnaire").objects.filter(version=1, invitations__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
