"""The Kanoon's default office checklist, version 1 (published). Weights 1-10; critical items
cap the score when failed; some items need a photo or document as evidence."""

from django.db import migrations
from django.utils import timezone

# (weight, critical, evidence, text_fa, text_en, guidance_fa, guidance_en)
ITEMS = [
    (3, False, True, "پروانه دفتر و مجوزهای معتبر در محل دید مراجعان نصب شده است.",
     "The office licence and valid permits are displayed where clients can see them.",
     "از تابلو یا قاب پروانه عکس بگیرید و تاریخ اعتبار را کنترل کنید.",
     "Photograph the displayed licence and check its validity date."),
    (5, True, True, "تعرفه رسمی خدمات در محل دید مراجعان نصب است و برای هر پرداخت رسید داده می‌شود.",
     "The official tariff is displayed and a receipt is issued for every payment.",
     "سه رسید اخیر را با تعرفه مقایسه کنید؛ از تابلوی تعرفه عکس بگیرید.",
     "Compare three recent receipts with the tariff; photograph the tariff board."),
    (5, True, False, "هویت مراجع در هر ثبت حضوری احراز و ثبت می‌شود.",
     "The client's identity is verified and recorded for every in-person filing.",
     "پنج پرونده اخیر را از نظر ثبت احراز هویت بررسی کنید.",
     "Check five recent cases for a recorded identity check."),
    (4, False, False, "تصویر الکترونیک مدارک با اصل مطابقت داده و تأیید مراجع ثبت می‌شود.",
     "Electronic copies are checked against the originals and the client's confirmation is recorded.",
     "", ""),
    (5, True, False, "فقط کارکنان مجاز با حساب کاربری شخصی از سامانه قضایی استفاده می‌کنند؛ رمز مشترک وجود ندارد.",
     "Only authorised staff use the judicial system, each with a personal account; no shared passwords.",
     "فهرست کاربران فعال را با کارکنان حاضر مقایسه کنید.",
     "Compare the list of active accounts with the staff present."),
    (4, True, False, "مدارک و اطلاعات شخصی مراجعان محرمانه نگهداری می‌شود و روی میز یا صفحه نمایش رها نمی‌شود.",
     "Clients' documents and personal data are kept confidential, never left on desks or screens.",
     "", ""),
    (2, False, False, "نوبت‌ها رعایت می‌شود و فضای انتظار مناسب است.",
     "Appointments are honoured in order and the waiting area is adequate.",
     "", ""),
    (2, False, True, "دسترسی افراد دارای معلولیت فراهم است.",
     "The office is accessible to people with disabilities.",
     "از ورودی و مسیر دسترسی عکس بگیرید.",
     "Photograph the entrance and the accessible route."),
    (2, False, False, "ساعات کاری اعلام شده و رعایت می‌شود.",
     "Working hours are posted and kept.",
     "", ""),
    (1, False, False, "روش ثبت شکایت و نشانی رسیدگی به مراجعان اطلاع‌رسانی شده است.",
     "Clients are told how to complain and to whom.",
     "", ""),
    (2, False, False, "خدمات رایگان برای مراجعان آسیب‌پذیر طبق ضوابط ارائه می‌شود.",
     "Free services for vulnerable clients are provided as required.",
     "", ""),
    (1, False, True, "سوابق آموزش کارکنان به‌روز است.",
     "Staff training records are up to date.",
     "از فهرست دوره‌های گذرانده‌شده عکس یا فایل بگیرید.",
     "Take a photo or copy of the training record."),
]


def create(apps, schema_editor):
    Checklist = apps.get_model("inspections", "Checklist")
    Item = apps.get_model("inspections", "ChecklistItem")
    if Checklist.objects.filter(code="office-standard", version=1).exists():
        return
    checklist = Checklist.objects.create(
        code="office-standard",
        version=1,
        title_fa="فهرست بازرسی استاندارد دفاتر",
        title_en="Standard office inspection checklist",
        status="published",
        published_at=timezone.now(),
    )
    Item.objects.bulk_create(
        [
            Item(
                checklist=checklist,
                position=position,
                weight=weight,
                critical=critical,
                evidence_required=evidence,
                text_fa=text_fa,
                text_en=text_en,
                guidance_fa=guidance_fa,
                guidance_en=guidance_en,
            )
            for position, (weight, critical, evidence, text_fa, text_en, guidance_fa, guidance_en) in enumerate(
                ITEMS, start=1
            )
        ]
    )


def remove(apps, schema_editor):
    apps.get_model("inspections", "Checklist").objects.filter(code="office-standard", version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
