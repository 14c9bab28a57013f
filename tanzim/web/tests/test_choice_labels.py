"""Every label of every app's choices has a Persian translation (statuses, accounts, kinds...).

The catalogue test finds empty entries; a label whose msgid never reached a catalogue (added to
``choices.py`` without running makemessages) shows in English on a Persian page and only this finds it.
"""

from __future__ import annotations

import importlib
import inspect

from django.apps import apps
from django.db import models
from django.utils import translation


def _labels():
    for config in apps.get_app_configs():
        if not config.name.startswith("tanzim."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.choices")
        except ModuleNotFoundError:
            continue
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, models.Choices) and cls.__module__ == module.__name__:
                for value, label in cls.choices:
                    yield f"{config.label}.{name}.{value}", label


def test_the_labels_are_found():
    assert sum(1 for _ in _labels()) > 200


def test_every_choice_label_is_translated():
    with translation.override("fa"):
        english = [
            (where, str(label)) for where, label in _labels() if str(label).isascii() and str(label).strip()
        ]
    assert english == []
