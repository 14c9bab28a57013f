"""Writes of the feedback app, by sub-workflow: surveys (invitations, answers, tallies, the
questionnaire) and complaints (filing, assignment, the complaint workflow)."""

from tanzim.feedback.services.complaints import (
    DESCRIPTION_MAX,
    complaint_assign,
    complaint_attach,
    complaint_available_actions,
    complaint_file,
    complaint_transition,
)
from tanzim.feedback.services.publication import (
    publish_batch,
    survey_month_publish,
    survey_results_publish,
)
from tanzim.feedback.services.surveys import (
    COMMENT_MAX,
    invitation_for_token,
    invitations_for_event,
    questionnaire_activate,
    survey_answer,
    survey_tally_rebuild,
    token_hash,
)

__all__ = [
    "COMMENT_MAX",
    "DESCRIPTION_MAX",
    "complaint_assign",
    "complaint_attach",
    "complaint_available_actions",
    "complaint_file",
    "complaint_transition",
    "invitation_for_token",
    "invitations_for_event",
    "publish_batch",
    "questionnaire_activate",
    "survey_answer",
    "survey_month_publish",
    "survey_results_publish",
    "survey_tally_rebuild",
    "token_hash",
]
