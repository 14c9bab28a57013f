"""The membership app's writes, one module per sub-workflow."""

from tanzim.membership.services.exam import exam_import, exam_rows_check
from tanzim.membership.services.guarantee import guarantee_paid, guarantee_payment_open
from tanzim.membership.services.loans import (
    instalment_pay,
    instalments_remind_arrears,
    loan_apply,
    loan_decide,
    loan_disburse,
    loan_eligibility,
)
from tanzim.membership.services.staff import staff_add
from tanzim.membership.services.steps import (
    application_withdraw,
    applications_remind_overdue,
    document_add,
    licence_issue,
    place_choose,
    premises_inspect,
    step_approve,
    step_send_back,
    step_submit,
    training_record,
)

__all__ = [
    "application_withdraw",
    "applications_remind_overdue",
    "document_add",
    "exam_import",
    "exam_rows_check",
    "guarantee_paid",
    "guarantee_payment_open",
    "instalment_pay",
    "instalments_remind_arrears",
    "licence_issue",
    "loan_apply",
    "loan_decide",
    "loan_disburse",
    "loan_eligibility",
    "place_choose",
    "premises_inspect",
    "staff_add",
    "step_approve",
    "step_send_back",
    "step_submit",
    "training_record",
]
