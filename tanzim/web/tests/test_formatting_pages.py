"""Pages written through the formatting layer (issue 15, 10): the Iranian week, Persian digits."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tanzim.common import formatting

pytestmark = pytest.mark.django_db


def test_hours_are_put_in_week_order_saturday_first():
    class Hours:
        def __init__(self, weekday: int, opens: int) -> None:
            self.weekday, self.opens = weekday, opens

    hours = [Hours(0, 8), Hours(4, 8), Hours(5, 14), Hours(6, 8), Hours(5, 8)]
    ordered = formatting.in_week_order(hours)
    assert [(h.weekday, h.opens) for h in ordered] == [(5, 14), (5, 8), (6, 8), (0, 8), (4, 8)]


def test_the_office_desk_lists_working_hours_saturday_first_in_persian_digits(personas):
    client = Client(HTTP_ACCEPT_LANGUAGE="fa")
    client.force_login(personas.manager_a)
    page = client.get(reverse("web:home")).content.decode()
    hours = page[page.index("ساعات کاری") :]
    hours = hours[: hours.index("</ul>")]
    days = ["شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنج‌شنبه"]
    positions = [hours.index(f"<li>{day}:") for day in days]
    assert positions == sorted(positions)
    assert "۰۸:۰۰–۱۶:۰۰" in hours and "08:00" not in hours
