"""Serializers of the partners API (statuses and actions are plain strings: see the descriptions)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tanzim.partners.choices import ACTIONS, OutcomeCode, ReferralStatus
from tanzim.partners.models import Referral

STATUS_HELP = "One of: " + ", ".join(ReferralStatus.values)
ACTION_HELP = "One of: " + ", ".join(ACTIONS)
OUTCOME_HELP = "One of: " + ", ".join(OutcomeCode.values)


class PartnerPlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name_fa = serializers.CharField()
    name_en = serializers.CharField()


class PartnerOfficeRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_fa = serializers.CharField()
    name_en = serializers.CharField()


class PartnerDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    requirement = serializers.CharField(allow_null=True)
    is_outcome = serializers.BooleanField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    download = serializers.CharField(
        required=False, help_text="Partner API only: where the file is fetched with the partner key."
    )


class PartnerChecklistLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_fa = serializers.CharField()
    name_en = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]  # a field named like Field.required
    present = serializers.BooleanField()
    citizen_task_fa = serializers.CharField()
    citizen_task_en = serializers.CharField()


class PartnerReferralSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField(help_text=STATUS_HELP)
    partner = serializers.CharField(source="partner.code")
    kind = serializers.CharField(source="kind.code")
    branch = PartnerPlaceSerializer()
    office = PartnerOfficeRefSerializer()
    dispute_reference = serializers.SerializerMethodField()
    case_reference = serializers.SerializerMethodField()
    note = serializers.CharField()
    partner_reference = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    ack_due_at = serializers.DateTimeField(allow_null=True)
    outcome_due_at = serializers.DateTimeField(allow_null=True)
    outcome_at = serializers.DateTimeField(allow_null=True)
    outcome_code = serializers.CharField(help_text=OUTCOME_HELP)
    outcome_note = serializers.CharField()
    return_reason = serializers.CharField()

    def get_dispute_reference(self, referral: Referral) -> str | None:
        return referral.dispute.reference if referral.dispute else None

    def get_case_reference(self, referral: Referral) -> str | None:
        return referral.case.tracking_code if referral.case else None


class PartnerReferralDetailSerializer(PartnerReferralSerializer):
    bundle = serializers.JSONField(help_text="The packed file: parties, claims, documents, history.")
    documents = serializers.SerializerMethodField()
    checklist = serializers.SerializerMethodField()

    @extend_schema_field(PartnerDocumentSerializer(many=True))
    def get_documents(self, referral: Referral) -> list[dict[str, Any]]:
        rows = referral.documents.select_related("requirement")
        partner_api = bool(self.context.get("partner_api"))
        found = []
        for d in rows:
            line: dict[str, Any] = {
                "id": d.pk,
                "title": d.title,
                "requirement": d.requirement.code if d.requirement else None,
                "is_outcome": d.is_outcome,
                "content_type": d.content_type,
                "size": d.size,
                "sha256": d.sha256,
            }
            if partner_api:
                line["download"] = reverse(
                    "api:partners-inbox-document", kwargs={"reference": referral.reference, "doc": d.pk}
                )
            found.append(line)
        return found

    @extend_schema_field(PartnerChecklistLineSerializer(many=True))
    def get_checklist(self, referral: Referral) -> list[dict[str, Any]]:
        have = set(referral.documents.values_list("requirement_id", flat=True))
        return [
            {
                "code": line.code,
                "name_fa": line.name_fa,
                "name_en": line.name_en,
                "required": line.required,
                "present": line.pk in have,
                "citizen_task_fa": line.citizen_task_fa,
                "citizen_task_en": line.citizen_task_en,
            }
            for line in referral.kind.checklist.all()
        ]


class PartnerTransitionSerializer(serializers.Serializer):
    action = serializers.CharField(help_text=ACTION_HELP)
    expected_status = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=STATUS_HELP
    )
    partner_reference = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=60,
        help_text="With acknowledge: your reference.",
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500, help_text="With return: why."
    )


class PartnerOutcomeSerializer(serializers.Serializer):
    outcome_code = serializers.CharField(help_text=OUTCOME_HELP)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
    expected_status = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=STATUS_HELP
    )
    file = serializers.FileField(required=False, help_text="The outcome document (PDF, JPEG or PNG).")


class PartnerPrepareSerializer(serializers.Serializer):
    kind = serializers.IntegerField(help_text="A referral kind's id (see the directory).")
    dispute = serializers.IntegerField(required=False, allow_null=True, default=None)
    case = serializers.IntegerField(required=False, allow_null=True, default=None)
    branch = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Default: the branch nearest the office."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class PartnerInboundEventSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64, help_text="Your event id; the same id twice is refused.")
    type = serializers.CharField(
        help_text="referral.acknowledged, referral.in_progress, referral.returned or referral.outcome"
    )
    referral = serializers.CharField(help_text="The referral's reference (PR-…).")
    data = serializers.DictField(required=False, default=dict)  # type: ignore[assignment]  # the event's field


class PartnerEventAcceptedSerializer(serializers.Serializer):
    id = serializers.CharField()
    referral = PartnerReferralSerializer()


class PartnerBranchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name_fa = serializers.CharField()
    name_en = serializers.CharField()
    city = serializers.CharField(source="city.code")
    address = serializers.CharField()
    phone = serializers.CharField()
    opens = serializers.TimeField()
    closes = serializers.TimeField()
    days_fa = serializers.CharField()
    days_en = serializers.CharField()


class PartnerKindLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_fa = serializers.CharField()
    name_en = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]  # a field named like Field.required


class PartnerKindSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name_fa = serializers.CharField()
    name_en = serializers.CharField()
    ack_days = serializers.IntegerField()
    outcome_days = serializers.IntegerField()
    legal_basis = serializers.CharField()
    checklist = serializers.SerializerMethodField()

    @extend_schema_field(PartnerKindLineSerializer(many=True))
    def get_checklist(self, kind: Any) -> list[dict[str, Any]]:
        return [
            {"code": line.code, "name_fa": line.name_fa, "name_en": line.name_en, "required": line.required}
            for line in kind.checklist.all()
        ]


class PartnerSerializer(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.CharField(
        help_text="tazirat, forensic, council, peace_court, court, prosecutor or police"
    )
    name_fa = serializers.CharField()
    name_en = serializers.CharField()
    website = serializers.CharField()
    branches = PartnerBranchSerializer(many=True, source="active_branches")
    referral_kinds = PartnerKindSerializer(many=True, source="active_kinds")


class PartnerDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event_id = serializers.CharField()
    event_type = serializers.CharField()
    partner = serializers.CharField(source="partner.code")
    status = serializers.CharField(help_text="pending, sending, delivered or dead")
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    replays = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    dead_at = serializers.DateTimeField(allow_null=True)
