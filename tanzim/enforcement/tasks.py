"""Thin tasks: ids in, the service re-reads and is safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="tanzim.enforcement.tasks.ask_agency", ignore_result=True)
def ask_agency(inquiry_id: int) -> str:
    from tanzim.enforcement.services.assets import inquiry_ask

    return inquiry_ask(inquiry_id=inquiry_id).status


@shared_task(name="tanzim.enforcement.tasks.auction_sweep", ignore_result=True)
def auction_sweep() -> int:
    """Every minute (beat): open announced auctions, close ended ones, default unpaid balances."""
    from tanzim.enforcement.services.auctions import auctions_sweep

    return auctions_sweep()
