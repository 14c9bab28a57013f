from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    CLERK = "clerk", _("Clerk")
    OFFICE_MANAGER = "office_manager", _("Office manager")
    MEDIATOR = "mediator", _("Mediator / peace-maker")
    ARBITRATOR = "arbitrator", _("Arbitrator")
    CONSULTANT = "consultant", _("Consultant")
    INSPECTOR = "inspector", _("Inspector")
    PROVINCE_ADMIN = "province_admin", _("Province administrator")
    KANOON_ADMIN = "kanoon_admin", _("Kanoon administrator")
    PARTNER = "partner", _("Partner organisation")
    COURT_OFFICER = "court_officer", _("Court enforcement officer")


# Which scope each role needs: an office, a province, or none (the whole country).
OFFICE_ROLES = frozenset({Role.CLERK, Role.OFFICE_MANAGER, Role.MEDIATOR, Role.ARBITRATOR, Role.CONSULTANT})
PROVINCE_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.COURT_OFFICER})
FLEXIBLE_ROLES = frozenset({Role.INSPECTOR})  # a province or the whole country
NATIONAL_ROLES = frozenset({Role.KANOON_ADMIN, Role.PARTNER, Role.CITIZEN})
STAFF_ROLES = frozenset(Role) - {Role.CITIZEN}


class Language(models.TextChoices):
    FA = "fa", _("Persian")
    EN = "en", _("English")


class OtpPurpose(models.TextChoices):
    LOGIN = "login", _("Sign-in")
    SIGNUP = "signup", _("Sign-up")


class IdentityMethod(models.TextChoices):
    """How a person living abroad proves who they are before a legally binding act."""

    DOCUMENT = "document", _("Passport or national ID card, checked by an office")
    CONSULAR = "consular", _("Verification reference from an Iranian consulate")


class IdentityStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the office's check")
    APPROVED = "approved", _("Verified")
    REFUSED = "refused", _("Refused")
