"""The court officers of the pilot's first roster (``CourtOfficer`` rows) get the accounts app's
province-scoped COURT_OFFICER role, which now decides who the officer is."""

from django.db import migrations
from django.utils import timezone


def to_roles(apps, schema_editor):
    CourtOfficer = apps.get_model("enforcement", "CourtOfficer")
    RoleAssignment = apps.get_model("accounts", "RoleAssignment")
    now = timezone.now()
    for officer in CourtOfficer.objects.filter(active=True):
        if not RoleAssignment.objects.filter(
            user_id=officer.user_id, role="court_officer", province_id=officer.province_id
        ).exists():
            RoleAssignment.objects.create(
                user_id=officer.user_id, role="court_officer", province_id=officer.province_id, valid_from=now
            )


class Migration(migrations.Migration):
    dependencies = [
        ("enforcement", "0004_asset_taken_in_kind"),
        ("accounts", "0005_identity_check"),
    ]

    operations = [migrations.RunPython(to_roles, migrations.RunPython.noop)]
