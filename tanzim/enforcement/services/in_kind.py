"""A creditor takes an asset at its valuation when the auction found no buyer (CJEA 136).

No money moves, so nothing is posted to the ledger: the asset's valuation is credited against that
creditor's claim (``Asset.taken_by``/``taken_amount``), and ``money.owed`` — the basis of the
outstanding amount, the distribution schedule and the statement — subtracts it. Taking property
worth more than the creditor is still owed is refused (the difference would be owed to the debtor;
the pilot does not settle that in money), and so is a taking by a creditor while one of a higher
priority class is still owed (it would pay a lower class first). Once nobody is owed anything and
no money is held, the file closes as paid in full.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError, NotFoundError
from tanzim.enforcement import access
from tanzim.enforcement.access import COURT, CREDITOR
from tanzim.enforcement.choices import (
    AssetStatus,
    AuctionStatus,
    FileStatus,
    Outcome,
    PartyRole,
    ScheduleStatus,
)
from tanzim.enforcement.models import Asset, Auction, FileParty, Schedule
from tanzim.enforcement.services._common import lock_file, move_file, require_not_stayed, tell_parties
from tanzim.enforcement.services.money import held, owed
from tanzim.enforcement.workflows import ASSET


def asset_take(*, asset: Asset, actor: Any, party: FileParty | None = None) -> Asset:
    """The creditor (``actor``, or ``party`` named by the court officer) takes ``asset`` at its
    valuation; what that creditor is owed falls by the valuation."""
    kinds = access.require(actor, asset.file, CREDITOR, COURT)
    with transaction.atomic():
        file = lock_file(asset.file_id)
        require_not_stayed(file)
        locked = Asset.objects.select_for_update().filter(pk=asset.pk, file=file).first()
        if locked is None:
            raise NotFoundError()
        if party is None and CREDITOR in kinds:
            party = FileParty.objects.filter(file=file, user=actor, role=PartyRole.CREDITOR).first()
        if party is None or party.file_id != file.pk or party.role != PartyRole.CREDITOR:
            raise DomainError(
                fields={"party": [_("Choose the creditor who takes the property.")]}, code="party"
            )
        if CREDITOR in kinds and COURT not in kinds and party.user_id != actor.pk:
            raise NotFoundError()
        if locked.status != AssetStatus.VALUED or not locked.value:
            raise ConflictError(_("Only a valued asset can be taken at its valuation."), code="not_valued")
        if not Auction.objects.filter(asset=locked, status=AuctionStatus.NO_BUYER).exists():
            raise ConflictError(
                _("A creditor takes the property only after an auction found no buyer."),
                code="no_failed_auction",
            )
        owing = owed(file)
        ahead = FileParty.objects.filter(
            file=file, role=PartyRole.CREDITOR, priority_class__lt=party.priority_class
        ).values_list("pk", flat=True)
        if any(owing.get(pk, 0) > 0 for pk in ahead):
            # Taking the property would pay this creditor before a class the law pays first.
            raise ConflictError(
                _("A creditor of a higher class is still owed: auction it again, or it goes to them."),
                code="higher_class_owed",
            )
        left = owing.get(party.pk, 0)
        if locked.value > left:
            raise ConflictError(
                _("Valued at %(value)s rials, more than the %(left)s rials this creditor is owed.")
                % {"value": locked.value, "left": left},
                code="value_exceeds_claim",
            )
        taken = transition(
            ASSET,
            locked,
            AssetStatus.TAKEN,
            actor=actor,
            expected_status=AssetStatus.VALUED,
            changes={"taken_by": party, "taken_amount": locked.value},
        )
        audit.record(
            action="enforcement.asset.taken",
            actor=actor,
            obj=taken,
            office=file.office_id,
            data={"party": party.pk, "amount": locked.value},
        )
        tell_parties(
            file,
            _("a creditor took %(asset)s at its valuation of %(value)s rials.")
            % {"asset": taken.description, "value": locked.value},
            key=f"taken:{taken.pk}",
        )
        _close_if_satisfied(file, actor)
    return taken


def _close_if_satisfied(file: Any, actor: Any) -> None:
    """Nobody owed anything and nothing held or waiting to be paid: the file is paid in full."""
    if any(v > 0 for v in owed(file).values()) or held(file) > 0:
        return
    if Schedule.objects.filter(file=file, status=ScheduleStatus.DRAFT).exists():
        return
    if file.status in (FileStatus.ENFORCING, FileStatus.INSTALMENTS, FileStatus.SERVED):
        # the law closes it, whoever took the asset: a creditor cannot close a file themselves
        closer = actor if access.kinds_of(actor, file) & {COURT} else None
        move_file(file, FileStatus.CLOSED, closer, file.status, changes={"outcome": Outcome.PAID_IN_FULL})
        tell_parties(file, _("the file was closed."), key="closed")
