"""A complaint's text is encrypted at rest and reads back in full to those who may read it (issue 13, 13)."""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tanzim.common import crypto
from tanzim.feedback.models import Complaint
from tanzim.feedback.services.complaints import complaint_file

pytestmark = pytest.mark.django_db

TEXT = "کارمند باجه دو بار از من پول اضافه خواست و رسید نداد."


def test_the_complaint_text_is_a_token_in_the_database_and_text_to_its_readers(personas):
    complaint = complaint_file(
        complainant=personas.citizen, office=personas.office_a, category="overcharging", description=TEXT
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT description FROM feedback_complaint WHERE id = %s", [complaint.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith(crypto.PREFIX) and "رسید" not in raw
    assert Complaint.objects.get(pk=complaint.pk).description == TEXT
    client = APIClient()
    client.force_authenticate(personas.citizen)
    listed = client.get("/api/v1/complaints/")
    assert listed.status_code == 200, listed.content
    assert TEXT in listed.content.decode()
