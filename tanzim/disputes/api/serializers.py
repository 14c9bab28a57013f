"""What the disputes API answers with: a dispute, its parties, events, sessions, settlement,
arbitration, award, referrals and documents.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tanzim.accounts.permissions import OFFICE_READERS
from tanzim.accounts.selectors import scope_for
from tanzim.common.identifiers import mask_national_code, mask_phone
from tanzim.common.jalali import format_jalali
from tanzim.disputes import rules, selectors
from tanzim.disputes.models import (
    Arbitration,
    Arbitrator,
    Award,
    AwardVote,
    Dispute,
    DisputeDocument,
    DisputeEvent,
    Obligation,
    Party,
    Referral,
    Session,
    Settlement,
)


class DisputePartySerializer(serializers.ModelSerializer):
    joined = serializers.SerializerMethodField()

    class Meta:
        model = Party
        fields = ["role", "name", "national_code", "mobile", "resident_abroad", "joined", "joined_at"]

    def get_joined(self, party: Party) -> bool:
        return party.user_id is not None


class DisputeSerializer(serializers.ModelSerializer):
    reference_display = serializers.CharField(read_only=True)
    office = serializers.CharField(source="office.code", read_only=True)
    mediator = serializers.CharField(
        source="mediator.display_name", default=None, allow_null=True, read_only=True
    )
    parties = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    due_at_jalali = serializers.SerializerMethodField()
    window_ends_on_uncertain = serializers.SerializerMethodField()

    class Meta:
        model = Dispute
        fields = [
            "id",
            "reference",
            "reference_display",
            "office",
            "case",
            "origin",
            "category",
            "claim_amount",
            "summary",
            "status",
            "status_changed_at",
            "due_at",
            "due_at_jalali",
            "overdue",
            "eligible",
            "path",
            "triage_note",
            "referral_target",
            "mediator",
            "criminal_track",
            "window_started_on",
            "window_ends_on",
            "window_ends_on_uncertain",
            "window_extensions",
            "invite_attempts",
            "respondent_response",
            "failure_reason",
            "outcome_note",
            "offence_compoundable",
            "offence_grade",
            "knowledge_date",
            "cheque_date",
            "dishonour_date",
            "filing_limit",
            "filing_deadline",
            "settle_by",
            "file_first",
            "created_at",
            "concluded_at",
            "parties",
        ]

    def get_overdue(self, dispute: Dispute) -> bool:
        return selectors.is_overdue(dispute)

    @extend_schema_field(DisputePartySerializer(many=True))
    def get_parties(self, dispute: Dispute) -> list[dict]:
        """The office side sees the parties in full; a party sees the other's identifiers masked."""
        user = self.context.get("user")
        if "scope" not in self.context:
            self.context["scope"] = scope_for(user) if user is not None else None
        scope = self.context["scope"]
        office_side = scope is not None and (
            scope.can_act_for_office(dispute.office, *OFFICE_READERS)
            or (dispute.mediator_id is not None and dispute.mediator_id == getattr(user, "pk", None))
        )
        rows: list[dict] = []
        for party in dispute.parties.all():
            row = dict(DisputePartySerializer(party).data)
            if not office_side and party.user_id != getattr(user, "pk", None):
                row["national_code"] = mask_national_code(party.national_code) if party.national_code else ""
                row["mobile"] = mask_phone(party.mobile) if party.mobile else ""
            rows.append(row)
        return rows

    def get_due_at_jalali(self, dispute: Dispute) -> str:
        return format_jalali(dispute.due_at, persian_digits=False)

    def get_window_ends_on_uncertain(self, dispute: Dispute) -> bool:
        """The window's last day may still move: it reaches a year whose holidays are unconfirmed."""
        return rules.date_certainty(dispute.window_started_on, dispute.window_ends_on).uncertain


class DisputeEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)
    on_behalf_of = serializers.CharField(source="on_behalf_of.username", default=None, allow_null=True)

    class Meta:
        model = DisputeEvent
        fields = [
            "created_at",
            "subject",
            "subject_id",
            "from_status",
            "to_status",
            "actor",
            "on_behalf_of",
            "reason",
            "due_at",
        ]


class DisputeSessionSerializer(serializers.ModelSerializer):
    convener = serializers.CharField(source="convener.display_name")

    class Meta:
        model = Session
        fields = [
            "id",
            "kind",
            "number",
            "convener",
            "starts_at",
            "ends_at",
            "mode",
            "location",
            "status",
            "result",
            "claimant_attended",
            "respondent_attended",
            "notes",
            "recorded_at",
        ]


class DisputeObligationSerializer(serializers.ModelSerializer):
    obligor = serializers.CharField(source="obligor.role")

    class Meta:
        model = Obligation
        fields = ["position", "obligor", "kind", "description", "amount", "due_date"]


class DisputeSettlementSerializer(serializers.ModelSerializer):
    obligations = DisputeObligationSerializer(many=True, read_only=True)
    signed_by = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()

    class Meta:
        model = Settlement
        fields = [
            "id",
            "number",
            "status",
            "terms",
            "content_hash",
            "opened_at",
            "signed_at",
            "voided_at",
            "void_reason",
            "obligations",
            "signed_by",
            "total",
        ]

    def get_signed_by(self, settlement: Settlement) -> list[str]:
        return sorted(s.party.role for s in settlement.signatures.select_related("party"))

    def get_total(self, settlement: Settlement) -> int:
        return sum(o.amount or 0 for o in settlement.obligations.all())


class DisputeArbitratorSerializer(serializers.ModelSerializer):
    seat_label = serializers.CharField(read_only=True)

    class Meta:
        model = Arbitrator
        fields = [
            "id",
            "seat",
            "number",
            "seat_label",
            "name",
            "status",
            "declared_at",
            "grounds",
            "declaration_note",
            "waived_by_claimant_at",
            "waived_by_respondent_at",
            "notified_at",
        ]


class HolidayYearSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="Jalali year")
    status = serializers.ChoiceField(choices=["estimated", "missing"])


class DisputeAwardVoteSerializer(serializers.ModelSerializer):
    arbitrator = serializers.IntegerField(source="arbitrator_id")
    name = serializers.CharField(source="arbitrator.name")
    refused_to_sign = serializers.BooleanField(read_only=True)

    class Meta:
        model = AwardVote
        fields = ["arbitrator", "name", "vote", "signed_at", "refused_to_sign", "dissent"]


class DisputeAwardNoticeSerializer(serializers.Serializer):
    """One party's notice and own deadlines, or ``awaiting_notice`` when none is recorded yet."""

    party = serializers.CharField(help_text="claimant or respondent")
    awaiting_notice = serializers.BooleanField()
    notified_on = serializers.DateField(allow_null=True)
    method = serializers.CharField(allow_null=True)
    resident_abroad = serializers.BooleanField()
    must_comply = serializers.BooleanField()
    compliance_due = serializers.DateField(allow_null=True)
    compliance_due_jalali = serializers.CharField(allow_null=True)
    compliance_due_uncertain = serializers.BooleanField()
    annulment_due = serializers.DateField(allow_null=True)
    annulment_due_jalali = serializers.CharField(allow_null=True)
    annulment_due_uncertain = serializers.BooleanField()
    holiday_table = HolidayYearSerializer(
        many=True, help_text="Years reached whose holidays are not confirmed"
    )


class DisputeAwardSerializer(serializers.ModelSerializer):
    in_favour_of = serializers.CharField(source="in_favour_of.role", default=None)
    votes = DisputeAwardVoteSerializer(many=True, read_only=True)
    parties = serializers.SerializerMethodField()

    class Meta:
        model = Award
        fields = [
            "decided_on",
            "reasoning",
            "decision",
            "amount",
            "in_favour_of",
            "dissent",
            "delivered_at",
            "compliance_due",
            "annulment_deadline",
            "compliance",
            "votes",
            "parties",
        ]

    @extend_schema_field(DisputeAwardNoticeSerializer(many=True))
    def get_parties(self, award: Award) -> list[dict]:
        return list(DisputeAwardNoticeSerializer(selectors.award_deadlines_for(award=award), many=True).data)


class DisputeArbitrationSerializer(serializers.ModelSerializer):
    arbitrators = DisputeArbitratorSerializer(many=True, read_only=True)
    award = serializers.SerializerMethodField()
    majority = serializers.SerializerMethodField()
    term_ends_on_uncertain = serializers.SerializerMethodField()
    term_moves_over_holidays = serializers.SerializerMethodField()

    class Meta:
        model = Arbitration
        fields = [
            "id",
            "agreement_kind",
            "agreement_date",
            "agreement_text",
            "panel_size",
            "panel_size_fixed",
            "majority",
            "agreed_term_days",
            "status",
            "all_notified_on",
            "term_ends_on",
            "term_ends_on_uncertain",
            "term_moves_over_holidays",
            "extensions",
            "arbitrators",
            "award",
        ]

    def get_majority(self, arbitration: Arbitration) -> int:
        return rules.majority_of(arbitration.panel_size)

    def get_term_ends_on_uncertain(self, arbitration: Arbitration) -> bool:
        # The term does not move over holidays, so no holiday table can change it.
        return rules.date_certainty(
            arbitration.all_notified_on, arbitration.term_ends_on, rolls=False
        ).uncertain

    def get_term_moves_over_holidays(self, arbitration: Arbitration) -> bool:
        return False

    @extend_schema_field(DisputeAwardSerializer(allow_null=True))
    def get_award(self, arbitration: Arbitration) -> dict | None:
        award = (
            Award.objects.filter(arbitration=arbitration)
            .select_related("in_favour_of", "arbitration__dispute")
            .prefetch_related("votes__arbitrator", "notices", "arbitration__dispute__parties")
            .first()
        )
        return DisputeAwardSerializer(award).data if award else None


class DisputeReferralSerializer(serializers.ModelSerializer):
    class Meta:
        model = Referral
        fields = [
            "id",
            "purpose",
            "target",
            "reason",
            "note",
            "status",
            "tracking_reference",
            "created_at",
            "sent_at",
        ]


class DisputeDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputeDocument
        fields = ["id", "title", "content_type", "size", "pages", "sha256", "shared", "uploaded_at"]


class DisputeDetailSerializer(DisputeSerializer):
    sessions = DisputeSessionSerializer(many=True, read_only=True)
    settlement = serializers.SerializerMethodField()
    arbitration = serializers.SerializerMethodField()
    referrals = DisputeReferralSerializer(many=True, read_only=True)

    class Meta(DisputeSerializer.Meta):
        fields = [*DisputeSerializer.Meta.fields, "sessions", "settlement", "arbitration", "referrals"]

    @extend_schema_field(DisputeSettlementSerializer(allow_null=True))
    def get_settlement(self, dispute: Dispute) -> dict | None:
        settlement = selectors.live_settlement(dispute=dispute) or selectors.signed_settlement(
            dispute=dispute
        )
        return DisputeSettlementSerializer(settlement).data if settlement else None

    @extend_schema_field(DisputeArbitrationSerializer(allow_null=True))
    def get_arbitration(self, dispute: Dispute) -> dict | None:
        arbitration = selectors.live_arbitration(dispute=dispute)
        return DisputeArbitrationSerializer(arbitration).data if arbitration else None
