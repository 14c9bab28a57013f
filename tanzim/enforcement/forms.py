"""The pages' forms: input is normalised here (Persian digits, Jalali dates), services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tanzim.common.forms import BootstrapForm, JalaliDateField, MobileField, NationalCodeField, RialsField
from tanzim.enforcement.choices import Agency, AssetKind, CollectionSource, JudgmentState, Outcome, StayReason


class RequestForm(BootstrapForm):
    court = forms.CharField(label=_("Court"), max_length=120)
    branch = forms.CharField(label=_("Branch"), max_length=20)
    judgment_number = forms.CharField(label=_("Judgment number"), max_length=40)
    judgment_date = JalaliDateField(label=_("Judgment date"))
    judgment_state = forms.ChoiceField(label=_("The judgment is"), choices=JudgmentState.choices)
    judgment_served_on = JalaliDateField(label=_("Judgment served on"), required=False)
    creditor_name = forms.CharField(label=_("Creditor's name"), max_length=200)
    creditor_national_code = NationalCodeField(label=_("Creditor's national code"))
    creditor_mobile = MobileField(label=_("Creditor's mobile"), required=False)
    claim = RialsField(label=_("Amount owed (rials)"))
    debtor_name = forms.CharField(label=_("Debtor's name"), max_length=200)
    debtor_national_code = NationalCodeField(label=_("Debtor's national code"))
    debtor_mobile = MobileField(label=_("Debtor's mobile"), required=False)
    debtor_has_dependants = forms.BooleanField(label=_("The debtor has a spouse or child"), required=False)


class WritForm(BootstrapForm):
    writ_number = forms.CharField(label=_("Writ number"), max_length=40)


class ServiceForm(BootstrapForm):
    served_on = JalaliDateField(label=_("Served (or published) on"))
    by_publication = forms.BooleanField(label=_("Served by publication"), required=False)


class AssetForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Type"), choices=AssetKind.choices)
    description = forms.CharField(label=_("Description"), max_length=300)
    identifier = forms.CharField(label=_("Account, plate or deed number"), max_length=60, required=False)
    estimated_value = RialsField(label=_("Estimated value (rials)"), required=False)
    exempt_category = forms.ChoiceField(label=_("Exempt from seizure as"), required=False, choices=())
    monthly_salary = RialsField(label=_("Monthly salary or pension (rials)"), required=False)
    protected_benefits = RialsField(
        label=_("Relief Committee or Welfare allowances in it (rials)"), required=False
    )
    is_pension = forms.BooleanField(label=_("It is a pension"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from tanzim.enforcement.rules import exempt_categories

        super().__init__(*args, **kwargs)
        field = self.fields["exempt_category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Not exempt")), *sorted(exempt_categories().items())]


class AssetListForm(AssetForm):
    insolvency = forms.BooleanField(label=_("I claim insolvency (within 30 days of service)"), required=False)


class AssetPickForm(BootstrapForm):
    asset = forms.IntegerField(widget=forms.HiddenInput)


class ValueForm(AssetPickForm):
    value = RialsField(label=_("Valuation (rials)"))
    valuer = forms.CharField(label=_("Valuer"), max_length=120)


class ObjectionForm(AssetPickForm):
    text = forms.CharField(label=_("Why the valuation is wrong"), max_length=500)


class GarnishForm(AssetPickForm):
    monthly = RialsField(label=_("Withhold each month (rials)"))


class AuctionForm(AssetPickForm):
    starts_on = JalaliDateField(label=_("Bidding opens on"))
    start_hour = forms.IntegerField(label=_("at (hour)"), min_value=0, max_value=23, initial=10)
    hours = forms.IntegerField(label=_("Bidding lasts (hours)"), min_value=1, max_value=240, initial=48)


class InquiryForm(BootstrapForm):
    agencies = forms.MultipleChoiceField(
        label=_("Ask"),
        choices=Agency.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(Agency.values),
    )


class CollectionForm(BootstrapForm):
    amount = RialsField(label=_("Amount received (rials)"))
    source = forms.ChoiceField(label=_("From"), choices=CollectionSource.choices)


class PayOnlineForm(BootstrapForm):
    amount = RialsField(label=_("Amount to pay (rials)"))


class PlanForm(BootstrapForm):
    count = forms.IntegerField(label=_("Number of monthly instalments"), min_value=1, max_value=120)
    amount_each = RialsField(label=_("Each instalment (rials)"))
    first_due = JalaliDateField(label=_("First instalment on"))


class StayForm(BootstrapForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=StayReason.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class CloseForm(BootstrapForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)


class DecisionForm(BootstrapForm):
    item = forms.IntegerField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(
        coerce=lambda v: v == "1", choices=(("1", _("Approve")), ("0", _("Reject")))
    )


class BidForm(BootstrapForm):
    amount = RialsField(label=_("Your bid (rials)"))
