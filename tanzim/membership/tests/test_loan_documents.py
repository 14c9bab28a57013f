"""A loan's documents: the member's signed form and papers, the Kanoon's contract; private to them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.membership.models import LoanDocument
from tanzim.membership.selectors import loan_document_get_for
from tanzim.membership.services import loan_apply, loan_decide
from tanzim.membership.services.loan_documents import loan_document_add
from tanzim.testing.files import pdf_bytes, upload
from tanzim.testing.membership import manager_of, programme

pytestmark = pytest.mark.django_db


def _pdf():
    return upload("form.pdf", pdf_bytes(), "application/pdf")


@pytest.fixture
def loan(personas):
    plan = programme(tiers=[], min_membership_years=0)
    return loan_apply(programme=plan, actor=personas.manager_a, office=personas.office_a, amount=30_000_000)


def test_the_member_gives_the_form_and_the_kanoon_the_contract_once_approved(personas, loan):
    form = loan_document_add(loan=loan, actor=personas.manager_a, kind="application", upload=_pdf())
    assert form.kind == "application" and form.uploaded_by == personas.manager_a
    with pytest.raises(ConflictError):  # no contract before the loan is approved
        loan_document_add(loan=loan, actor=personas.kanoon_admin, kind="contract", upload=_pdf())
    with pytest.raises(PermissionDeniedError):  # the member does not attach the contract
        loan_document_add(loan=loan, actor=personas.manager_a, kind="contract", upload=_pdf())
    with pytest.raises(PermissionDeniedError):  # nor does another person give the member's form
        loan_document_add(loan=loan, actor=personas.clerk_a, kind="application", upload=_pdf())
    with pytest.raises(DomainError):
        loan_document_add(
            loan=loan,
            actor=personas.manager_a,
            kind="supporting",
            upload=upload("x.pdf", b"not a pdf", "application/pdf"),
        )
    loan_decide(loan=loan, actor=personas.kanoon_admin, approve=True)
    contract = loan_document_add(loan=loan, actor=personas.kanoon_admin, kind="contract", upload=_pdf())
    assert set(LoanDocument.objects.filter(loan=loan).values_list("kind", flat=True)) == {
        "application",
        "contract",
    }
    assert loan_document_get_for(user=personas.manager_a, pk=contract.pk) == contract
    with pytest.raises(NotFoundError):
        loan_document_get_for(user=manager_of(personas.office_b), pk=contract.pk)


def test_the_loans_page_takes_a_document_and_hides_it_from_others(client, personas, loan):
    client.force_login(personas.manager_a)
    response = client.post(
        reverse("membership:loans"),
        {"action": "loan_document", "loan": loan.pk, "kind": "supporting", "file": _pdf()},
    )
    assert response.status_code == 302
    document = LoanDocument.objects.get(loan=loan)
    page = client.get(reverse("membership:loans"))
    assert reverse("membership:loan_document", args=[document.pk]).encode() in page.content
    assert client.get(reverse("membership:loan_document", args=[document.pk])).status_code == 303
    client.force_login(personas.citizen)
    assert client.get(reverse("membership:loan_document", args=[document.pk])).status_code == 404
