"""Page helpers: a refused form posted from another page comes back as messages naming its fields."""

from __future__ import annotations

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory
from django.utils import translation

from tanzim.common.views import flash_form_errors


class _AmountForm(forms.Form):
    amount = forms.IntegerField(label="Amount")

    def clean(self):
        raise forms.ValidationError("The payment is already closed.")


def test_a_refused_form_from_another_page_becomes_messages_naming_each_field():
    request = RequestFactory().post("/")
    request._messages = CookieStorage(request)
    with translation.override("en"):
        form = _AmountForm(data={"amount": "many"})
        assert not form.is_valid()
        flash_form_errors(request, form)

    texts = [str(m) for m in get_messages(request)]
    assert texts == ["Amount: Enter a whole number.", "The payment is already closed."]
