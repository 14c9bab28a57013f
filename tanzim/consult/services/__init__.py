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
from tanzim.consult.services.drafting import (
    draft_claim,
    draft_finish,
    draft_problems,
    draft_save_page,
    draft_start,
    interviews_load,
    profile_save,
)

__all__ = [
    "draft_claim",
    "draft_finish",
    "draft_problems",
    "draft_save_page",
    "draft_start",
    "interviews_load",
    "parse_definition",
    "profile_save",
    "step_answered",
    "step_none_of_these",
    "step_reached",
    "tree_create",
    "tree_version_publish",
    "tree_version_save",
    "trees_load",
]
