"""The ranking policy as data: defaults, validation with clear messages, and the method it configures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tanzim.common.errors import DomainError
from tanzim.finance.choices import Tier
from tanzim.ranking import method
from tanzim.ranking.choices import IndicatorKey, Normalisation, OutlierTreatment

# docs/DOMAIN.md: satisfaction 40%, dispute resolution 20% (settlement rate and disputes kept out
# of court, half each), inspection 15%, timeliness 10%, upheld complaints 10% (negative), social 5%.
# Goalposts (docs/ranking.md, "Goalposts"): the lower one is where an office earns nothing, the
# upper one a level the best offices actually reach, so that tier A (85) is reachable by an office
# that is excellent across the board. The first defaults (satisfaction 2.5–4.8, inspection 40–100,
# kept out 0–50, social 0–10%) left tier A out of reach: a mean answer of 4.8 needs four clients in
# five to give the top mark, and small samples are pulled toward the network mean (about 3.9), so
# no office of a 300-office network came near it. Now: satisfaction from the neutral answer (3) to
# 4.5 (at least half the clients give the top mark); inspection from the critical-failure cap (50,
# INSPECTIONS_CRITICAL_SCORE_CAP) to 95 (a clean visit with minor remarks); kept out of court up to
# 20 per 1,000 services and free work up to 5% of an office's work, what the busiest good offices do.
DEFAULT_INDICATORS: list[dict[str, Any]] = [
    {"key": IndicatorKey.SATISFACTION.value, "weight_bp": 4000, "polarity": 1, "lower": 3.0, "upper": 4.5,
     "prior_weight": 30, "min_sample": 385, "finite_population": True},
    {"key": IndicatorKey.SETTLEMENT.value, "weight_bp": 1000, "polarity": 1, "lower": 0.0, "upper": 0.7,
     "prior_weight": 10, "min_sample": 10},
    {"key": IndicatorKey.KEPT_OUT.value, "weight_bp": 1000, "polarity": 1, "lower": 0.0, "upper": 20.0,
     "prior_weight": 300, "min_sample": 100},
    {"key": IndicatorKey.INSPECTION.value, "weight_bp": 1500, "polarity": 1, "lower": 50.0, "upper": 95.0,
     "prior_weight": 0, "min_sample": 1, "half_life_days": 365},
    {"key": IndicatorKey.TIMELINESS.value, "weight_bp": 1000, "polarity": 1, "lower": 0.5, "upper": 1.0,
     "prior_weight": 20, "min_sample": 20},
    {"key": IndicatorKey.COMPLAINTS.value, "weight_bp": 1000, "polarity": -1, "lower": 0.0, "upper": 5.0,
     "prior_weight": 300, "min_sample": 100},
    {"key": IndicatorKey.SOCIAL.value, "weight_bp": 500, "polarity": 1, "lower": 0.0, "upper": 5.0,
     "prior_weight": 0, "min_sample": 1},
]  # fmt: skip
DEFAULT_BANDS: list[dict[str, Any]] = [
    {"tier": "A", "low": 85, "high": 100},
    {"tier": "B", "low": 70, "high": 85},
    {"tier": "C", "low": 55, "high": 70},
    {"tier": "D", "low": 0, "high": 55},
]
DEFAULT_ADJUSTMENTS_BP = {"A": -300, "B": -100, "C": 0, "D": 200}
DEFAULT_MC_NORMALISATIONS = list(Normalisation.values)


def defaults() -> dict[str, Any]:
    return {
        "indicators": [dict(i) for i in DEFAULT_INDICATORS],
        "normalisation": Normalisation.GOALPOSTS.value,
        "outliers": OutlierTreatment.WINSORISE.value,
        "winsor_pct": 2.5,
        "tier_bands": [dict(b) for b in DEFAULT_BANDS],
        "share_adjustments_bp": dict(DEFAULT_ADJUSTMENTS_BP),
        "mc_draws": 1000,
        "mc_weight_spread_pct": 25,
        "mc_normalisations": list(DEFAULT_MC_NORMALISATIONS),
    }


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def clean_indicators(value: Any) -> list[dict[str, Any]]:
    """Check the indicators; a weight total other than 100% is refused with the total it came to."""
    if not isinstance(value, Sequence) or isinstance(value, str | bytes) or not value:
        raise DomainError(fields={"indicators": [_("Give at least one indicator.")]}, code="invalid_policy")
    clean = []
    for item in value:
        if not isinstance(item, Mapping) or item.get("key") not in IndicatorKey.values:
            raise DomainError(
                fields={
                    "indicators": [
                        _("Unknown indicator. Use one of: %(keys)s.")
                        % {"keys": ", ".join(IndicatorKey.values)}
                    ]
                },
                code="invalid_policy",
            )
        weight = item.get("weight_bp")
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 10_000:
            raise DomainError(
                fields={"indicators": [_("Weights are whole basis points from 0 to 10000 (100%%).")]},
                code="invalid_policy",
            )
        numbers = {name: _number(item.get(name, 0)) for name in ("lower", "upper", "prior_weight")}
        half_life = item.get("half_life_days")
        entry = {
            "key": item["key"],
            "weight_bp": weight,
            "polarity": -1 if item.get("polarity") in (-1, "-1") else 1,
            "lower": numbers["lower"],
            "upper": numbers["upper"],
            "prior_weight": numbers["prior_weight"],
            "min_sample": item.get("min_sample", 1),
            "finite_population": bool(item.get("finite_population", False)),
            "half_life_days": _number(half_life) if half_life not in (None, "") else None,
        }
        if (
            None in numbers.values()
            or not isinstance(entry["min_sample"], int)
            or isinstance(entry["min_sample"], bool)
        ):
            raise DomainError(
                fields={"indicators": [_("Goalposts, prior weight and minimum sample must be numbers.")]},
                code="invalid_policy",
            )
        clean.append(entry)
    total = sum(i["weight_bp"] for i in clean)
    try:
        method.check_weights([method.Indicator(**i) for i in clean])
    except method.MethodError as exc:
        messages: dict[str, str | Promise] = {
            "weights_sum": _("The weights add up to %(total)s%%; they must add up to exactly 100%%.")
            % {"total": f"{total / 100:g}"},
            "duplicate_indicator": _("Each indicator may appear only once."),
            "goalposts": _("The upper goalpost of “%(key)s” must be above its lower one.")
            % {"key": exc.detail},
            "shrinkage": _("Prior weight and minimum sample of “%(key)s” cannot be negative.")
            % {"key": exc.detail},
            "half_life": _("The half-life of “%(key)s” must be positive.") % {"key": exc.detail},
        }
        message = messages.get(exc.code, _("The indicators are not valid."))
        code = "weights_not_100" if exc.code == "weights_sum" else "invalid_policy"
        raise DomainError(message, code=code, fields={"indicators": [message]}) from None
    return clean


def clean_bands(value: Any) -> list[dict[str, Any]]:
    """Bands per tier, 0..100, best tier highest, no overlap and no gap."""
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise DomainError(
            fields={"tier_bands": [_("Give a score band for each tier.")]}, code="invalid_policy"
        )
    bands = []
    for item in value:
        low = _number(item.get("low")) if isinstance(item, Mapping) else None
        high = _number(item.get("high")) if isinstance(item, Mapping) else None
        if low is None or high is None or item.get("tier") not in Tier.values:
            raise DomainError(
                fields={"tier_bands": [_("Each band needs a tier (A to D) and a low and high score.")]},
                code="invalid_policy",
            )
        bands.append({"tier": item["tier"], "low": low, "high": high})
    try:
        method.check_bands([method.Band(**b) for b in bands])
    except method.MethodError as exc:
        pair = exc.detail.replace("/", " / ")
        messages: dict[str, str | Promise] = {
            "band_overlap": _("The score bands of tiers %(pair)s overlap: a score would fall in both.")
            % {"pair": pair},
            "band_gap": _("There is a gap between the score bands of tiers %(pair)s.") % {"pair": pair},
            "band_range": _("The band of tier %(tier)s must lie within 0–100 with its low below its high.")
            % {"tier": exc.detail},
            "band_cover": _("The bands must cover every score from 0 to 100."),
            "band_duplicate": _("Each tier may have only one band."),
            "no_bands": _("Give a score band for each tier."),
        }
        message = messages.get(exc.code, _("The tier bands are not valid."))
        code = "bands_overlap" if exc.code == "band_overlap" else "invalid_bands"
        raise DomainError(message, code=code, fields={"tier_bands": [message]}) from None
    ordered = sorted(bands, key=lambda b: -b["low"])
    if [b["tier"] for b in ordered] != sorted(b["tier"] for b in bands):
        message = _("Better tiers need higher scores: A above B above C above D.")
        raise DomainError(message, code="invalid_bands", fields={"tier_bands": [message]})
    return ordered


def clean_adjustments(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise DomainError(fields={"share_adjustments_bp": [_("Give a basis-point adjustment per tier.")]})
    clean = {}
    for tier, bp in value.items():
        if tier not in Tier.values or isinstance(bp, bool) or not isinstance(bp, int) or abs(bp) > 10_000:
            raise DomainError(
                fields={"share_adjustments_bp": [_("Tiers are A to D; adjustments are whole basis points.")]},
                code="invalid_policy",
            )
        clean[tier] = bp
    return clean


def to_method(policy: Any, *, draws: int | None = None) -> method.Method:
    """The pure-computation view of a stored policy."""
    return method.Method(
        indicators=tuple(method.Indicator(**i) for i in policy.indicators),
        bands=tuple(method.Band(**b) for b in policy.tier_bands),
        normalisation=policy.normalisation,
        outliers=policy.outliers,
        winsor_pct=float(policy.winsor_pct),
        draws=policy.mc_draws if draws is None else draws,
        weight_spread=policy.mc_weight_spread_pct / 100,
        mc_normalisations=tuple(policy.mc_normalisations or DEFAULT_MC_NORMALISATIONS),
    )


def indicator_label(key: str) -> str:
    return str(dict(IndicatorKey.choices).get(key, key))
