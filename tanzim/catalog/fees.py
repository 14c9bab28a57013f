"""The fee engine: an itemised quote in integer rials.

fee = base + extra parties × unit + extra pages × unit (the "service part", which the
channel discount applies to) + add-ons (full price). A free-service waiver sets what the
client pays for the office fee to 0 and records the subsidy the Kanoon owes the office.
Court fees belong to the judiciary: never discounted, never waived here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.catalog.choices import AddOnUnit, ChannelKind
from tanzim.catalog.models import AddOn, FeeSchedule, Service, Tariff
from tanzim.common.errors import DomainError, NotFoundError
from tanzim.common.jalali import to_jalali_date

MAX_EXTRA = 500  # more than this many extra parties or pages is a typing error, not a case


@dataclass(frozen=True)
class QuoteLine:
    code: str
    label: str
    quantity: int
    unit_fee: int
    amount: int


@dataclass(frozen=True)
class FeeQuote:
    service: str
    channel: str
    year: int
    lines: tuple[QuoteLine, ...]
    service_part: int  # base + extras, before discount
    addons_total: int
    discount_pct: int
    discount: int
    office_fee: int  # what the office earns for the service
    free_service: bool
    client_office_fee: int  # what the client pays of the office fee
    subsidy: int  # what the Kanoon owes the office for a waived service
    court_fee: int
    client_total: int  # what the client pays in all
    notes: tuple[str, ...] = field(default=())
    # The schedule is another year's: the Kanoon has not entered this year's tariff yet.
    stale_schedule: bool = False

    def as_dict(self) -> dict:
        data = asdict(self)
        data["lines"] = [asdict(line) for line in self.lines]
        data["notes"] = list(self.notes)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> FeeQuote:
        """Rebuild a frozen quote (e.g. the snapshot stored on a case at submission)."""
        values = dict(data)
        values["lines"] = tuple(QuoteLine(**line) for line in values["lines"])
        values["notes"] = tuple(values.get("notes", ()))
        return cls(**values)


def schedule_for(on: date | None = None) -> FeeSchedule:
    """The schedule in force on the day: the latest one whose effective date has come."""
    day = on or timezone.localdate()
    schedule = FeeSchedule.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    if schedule is None:
        raise NotFoundError(_("No fee schedule is in force on this date."), code="no_fee_schedule")
    return schedule


def schedule_is_stale(schedule: FeeSchedule, on: date | None = None) -> bool:
    """True when the day's Jalali year has no schedule of its own (an older year's is applied)."""
    return schedule.year != to_jalali_date(on or timezone.localdate()).year


def _count(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(fields={name: [_("Enter a whole number.")]})
    if value < 0:
        raise DomainError(fields={name: [_("This cannot be negative.")]})
    if value > MAX_EXTRA:
        raise DomainError(fields={name: [_("This number is too large.")]})
    return value


def fee_quote(
    *,
    service: Service,
    channel: str,
    parties: int | None = None,
    pages: int | None = None,
    extra_parties: int = 0,
    extra_pages: int = 0,
    addons: Sequence[str] = (),
    free_service: bool = False,
    court_fee: int = 0,
    on: date | None = None,
) -> FeeQuote:
    """Quote a service on a channel. Give either totals (parties/pages) or extras beyond the base."""
    if channel not in ChannelKind.values:
        raise DomainError(fields={"channel": [_("Unknown channel.")]})
    if channel not in service.channels:
        raise DomainError(
            _("This service is not offered on this channel."),
            code="channel_not_allowed",
            fields={"channel": [_("This service is not offered on this channel.")]},
        )
    if isinstance(court_fee, bool) or not isinstance(court_fee, int) or court_fee < 0:
        raise DomainError(fields={"court_fee": [_("Enter a whole, non-negative amount in rials.")]})
    schedule = schedule_for(on)
    tariff = Tariff.objects.filter(schedule=schedule, service=service).first()
    if tariff is None:
        raise NotFoundError(_("This service has no price in the current tariff."), code="no_tariff")
    if parties is not None:
        extra_parties = max(0, _count(parties, "parties") - tariff.included_parties)
    if pages is not None:
        extra_pages = max(0, _count(pages, "pages") - tariff.included_pages)
    extra_parties, extra_pages = _count(extra_parties, "extra_parties"), _count(extra_pages, "extra_pages")

    lines = [QuoteLine("base", str(service.name), 1, tariff.base_fee, tariff.base_fee)]
    if extra_parties:
        lines.append(
            QuoteLine(
                "extra_party",
                str(_("Extra party")),
                extra_parties,
                schedule.extra_party_fee,
                extra_parties * schedule.extra_party_fee,
            )
        )
    if extra_pages:
        lines.append(
            QuoteLine(
                "extra_page",
                str(_("Extra page")),
                extra_pages,
                schedule.extra_page_fee,
                extra_pages * schedule.extra_page_fee,
            )
        )
    service_part = sum(line.amount for line in lines)

    wanted = list(dict.fromkeys(addons))
    found = {a.code: a for a in AddOn.objects.filter(schedule=schedule, code__in=wanted)}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise DomainError(fields={"addons": [_("Unknown add-on: %(code)s") % {"code": c} for c in unknown]})
    # Typing and printing are priced per page of the document: every page, included or extra.
    document_pages = max(1, tariff.included_pages + extra_pages)
    addon_lines = []
    for code in wanted:
        addon = found[code]
        quantity = document_pages if addon.unit == AddOnUnit.PER_PAGE else 1
        addon_lines.append(
            QuoteLine(f"addon:{code}", str(addon.name), quantity, addon.fee, quantity * addon.fee)
        )
    addons_total = sum(line.amount for line in addon_lines)

    discounts: dict[str, int] = {
        ChannelKind.REMOTE: tariff.remote_discount_pct,
        ChannelKind.SEMI_IN_PERSON: tariff.semi_discount_pct,
    }
    discount_pct = discounts.get(channel, 0)
    discount = service_part * discount_pct // 100
    office_fee = service_part - discount + addons_total
    notes = []
    stale = schedule_is_stale(schedule, on)
    if stale:
        notes.append(
            str(
                _("The %(year)s tariff is applied: this year's tariff has not been entered yet.")
                % {"year": schedule.year}
            )
        )
    if free_service:
        client_office_fee = 0
        subsidy = office_fee * schedule.free_service_subsidy_pct // 100
        notes.append(str(_("Free service: the Kanoon reimburses the office.")))
    else:
        client_office_fee, subsidy = office_fee, 0
    return FeeQuote(
        service=service.code,
        channel=channel,
        year=schedule.year,
        lines=tuple(lines + addon_lines),
        service_part=service_part,
        addons_total=addons_total,
        discount_pct=discount_pct,
        discount=discount,
        office_fee=office_fee,
        free_service=free_service,
        client_office_fee=client_office_fee,
        subsidy=subsidy,
        court_fee=court_fee,
        client_total=client_office_fee + court_fee,
        notes=tuple(notes),
        stale_schedule=stale,
    )


def channel_prices(*, service: Service, on: date | None = None) -> dict[str, int]:
    """The base price on every allowed channel: what the channel chooser shows."""
    return {ch: fee_quote(service=service, channel=ch, on=on).client_total for ch in service.channels}
