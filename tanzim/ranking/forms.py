"""Forms of the ranking pages. They parse input; the services and policy rules decide what is valid."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from tanzim.common.normalize import normalize_digits, normalize_text
from tanzim.finance.choices import Tier
from tanzim.ranking import policy as policy_rules
from tanzim.ranking.choices import Normalisation, OutlierTreatment


class RunRequestForm(forms.Form):
    period = forms.CharField(
        label=_("Period"),
        max_length=16,
        help_text=_("A Jalali month such as 1405-03 or a quarter such as 1405-Q1."),
        widget=forms.TextInput(attrs={"dir": "ltr", "placeholder": "1405-03"}),
    )
    reason = forms.CharField(
        label=_("Reason (needed to re-run an approved period)"),
        required=False,
        max_length=300,
    )

    def clean_period(self) -> str:
        return normalize_digits(self.cleaned_data["period"]).strip()

    def clean_reason(self) -> str:
        return normalize_text(self.cleaned_data.get("reason") or "")


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
    acknowledge_warnings = forms.BooleanField(
        label=_("I have read the weight warnings and approve this ranking all the same."), required=False
    )


class PolicyForm(forms.Form):
    """One row per indicator (weight in %, goalposts, shrinkage), the tier bands, the Monte Carlo."""

    normalisation = forms.ChoiceField(label=_("Normalisation"), choices=Normalisation.choices)
    outliers = forms.ChoiceField(label=_("Outlier treatment"), choices=OutlierTreatment.choices)
    winsor_pct = forms.FloatField(label=_("Winsorising percentile"), min_value=0, max_value=49.9)
    mc_draws = forms.IntegerField(label=_("Monte-Carlo draws"), min_value=0, max_value=20_000)
    mc_weight_spread_pct = forms.IntegerField(label=_("Weight spread (±%)"), min_value=0, max_value=99)
    note = forms.CharField(label=_("What changed and why"), max_length=300, required=False)

    def __init__(self, *args, policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        source = policy_rules.defaults() if policy is None else {
            "indicators": policy.indicators,
            "tier_bands": policy.tier_bands,
            "share_adjustments_bp": policy.share_adjustments_bp,
            "normalisation": policy.normalisation,
            "outliers": policy.outliers,
            "winsor_pct": policy.winsor_pct,
            "mc_draws": policy.mc_draws,
            "mc_weight_spread_pct": policy.mc_weight_spread_pct,
        }  # fmt: skip
        self.indicator_specs = source["indicators"]
        for name in ("normalisation", "outliers", "winsor_pct", "mc_draws", "mc_weight_spread_pct"):
            self.fields[name].initial = source[name]
        self.indicator_rows = []
        for spec in self.indicator_specs:
            key = spec["key"]
            fields = {
                "weight": forms.DecimalField(
                    label=_("weight (%)"),
                    max_digits=5,
                    decimal_places=2,
                    min_value=0,
                    max_value=100,
                    initial=Decimal(spec["weight_bp"]) / 100,
                ),
                "lower": forms.FloatField(label=_("worst value"), initial=spec["lower"]),
                "upper": forms.FloatField(label=_("best value"), initial=spec["upper"]),
                "prior_weight": forms.FloatField(
                    label=_("prior weight"), min_value=0, initial=spec["prior_weight"]
                ),
                "min_sample": forms.IntegerField(
                    label=_("minimum sample"), min_value=0, initial=spec["min_sample"]
                ),
            }
            for name, field in fields.items():
                self.fields[f"{key}__{name}"] = field
            self.indicator_rows.append(
                (key, policy_rules.indicator_label(key), [self[f"{key}__{n}"] for n in fields])
            )
        bands = {b["tier"]: b for b in source["tier_bands"]}
        self.band_rows = []
        for tier in Tier.values:
            band = bands.get(tier, {"low": 0, "high": 0})
            adjustment = (source["share_adjustments_bp"] or {}).get(tier, 0)
            self.fields[f"band_{tier}__low"] = forms.FloatField(label=_("from score"), initial=band["low"])
            self.fields[f"band_{tier}__high"] = forms.FloatField(label=_("below score"), initial=band["high"])
            self.fields[f"band_{tier}__adjust"] = forms.IntegerField(
                label=_("share-rate change (basis points)"),
                initial=adjustment,
                min_value=-10_000,
                max_value=10_000,
            )
            self.band_rows.append(
                (tier, [self[f"band_{tier}__low"], self[f"band_{tier}__high"], self[f"band_{tier}__adjust"]])
            )

    def policy_values(self) -> dict:
        data = self.cleaned_data
        indicators = []
        for spec in self.indicator_specs:
            key = spec["key"]
            indicators.append(
                {
                    **spec,
                    "weight_bp": int((data[f"{key}__weight"] * 100).to_integral_value()),
                    "lower": data[f"{key}__lower"],
                    "upper": data[f"{key}__upper"],
                    "prior_weight": data[f"{key}__prior_weight"],
                    "min_sample": data[f"{key}__min_sample"],
                }
            )
        return {
            "indicators": indicators,
            "tier_bands": [
                {"tier": t, "low": data[f"band_{t}__low"], "high": data[f"band_{t}__high"]}
                for t in Tier.values
            ],
            "share_adjustments_bp": {t: data[f"band_{t}__adjust"] for t in Tier.values},
            "normalisation": data["normalisation"],
            "outliers": data["outliers"],
            "winsor_pct": data["winsor_pct"],
            "mc_draws": data["mc_draws"],
            "mc_weight_spread_pct": data["mc_weight_spread_pct"],
            "note": data.get("note") or "",
        }
