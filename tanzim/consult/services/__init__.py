"""Writes of the consult app, one module per sub-workflow; callers import from here."""

from tanzim.consult.services.diagnosis import (
    parse_definition,
    step_answered,
    step_none_of_these,
    step_reached,
    tree_create,
    tree_version_publish,
    tree_version_save,
    trees_load,
)

__all__ = [
    "parse_definition",
    "step_answered",
    "step_none_of_these",
    "step_reached",
    "tree_create",
    "tree_version_publish",
    "tree_version_save",
    "trees_load",
]
