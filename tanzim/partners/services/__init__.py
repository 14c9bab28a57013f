"""Writes for partners: referrals (``referrals``), API keys (``keys``), webhooks (``webhooks``)."""

from __future__ import annotations

from tanzim.partners.services.documents import partner_document_read
from tanzim.partners.services.keys import (
    IssuedKey,
    api_key_authenticate,
    api_key_issue,
    api_key_revoke,
    api_key_rotate,
)
from tanzim.partners.services.referrals import (
    missing_documents,
    referral_acknowledge,
    referral_act,
    referral_cancel,
    referral_close,
    referral_document_add,
    referral_prepare,
    referral_record_outcome,
    referral_return,
    referral_send,
    referral_start,
    referrals_remind_overdue,
)
from tanzim.partners.services.webhooks import (
    deliveries_due,
    delivery_attempt,
    delivery_replay,
    event_enqueue,
    inbound_verify,
    sign,
)

__all__ = [
    "IssuedKey",
    "api_key_authenticate",
    "api_key_issue",
    "api_key_revoke",
    "api_key_rotate",
    "deliveries_due",
    "delivery_attempt",
    "delivery_replay",
    "event_enqueue",
    "inbound_verify",
    "missing_documents",
    "partner_document_read",
    "referral_acknowledge",
    "referral_act",
    "referral_cancel",
    "referral_close",
    "referral_document_add",
    "referral_prepare",
    "referral_record_outcome",
    "referral_return",
    "referral_send",
    "referral_start",
    "referrals_remind_overdue",
    "sign",
]
