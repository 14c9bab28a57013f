"""The public diagnosis: one question per screen, no account, the deadline with its Jalali date,
the cheapest channel, "none of these" counted anonymously, the Kanoon's preview and report."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from tanzim.consult.models import NonePath, StepStat, Tree

pytestmark = pytest.mark.django_db
NOW = "2026-06-01 09:00 +03:30"  # 11 Khordad 1405
URL = reverse("consult:diagnosis", args=["bounced-cheque"])


def post(client, **data):
    response = client.post(URL, data)
    assert response.status_code == 302, response.content[:2000]
    return client.get(URL)


def walk_to_complaint(client):
    page = client.get(URL)
    assert "طلب شما با چک است" in page.content.decode()
    post(client, node="cheque_or_debt", value="cheque")
    post(client, node="cheque_date", date="۱۴۰۵/۰۱/۱۰")  # Persian digits accepted
    post(client, node="presented", value="yes")
    post(client, node="certificate_date", date="1405/02/01")
    post(client, node="amount", value="small")
    return post(client, node="goal", value="complaint")


@time_machine.travel(NOW, tick=False)
def test_a_citizen_without_an_account_is_told_the_deadline_and_the_cheapest_channel(client):
    page = walk_to_complaint(client).content.decode()
    assert "شکوائیه صدور چک بلامحل" in page
    # six months (art. 443: 180 days) from 1 Ordibehesht 1405, moved to a working day
    assert 'id="deadline-date"' in page
    assert "۱۴۰۵" in page and "مهر" in page
    assert 'id="cheapest"' in page and "غیرحضوری" in page
    assert 'id="mediation"' in page
    assert 'id="start-next"' in page
    tree = Tree.objects.get(slug="bounced-cheque")
    stats = {s.node: s for s in StepStat.objects.filter(version=tree.published)}
    assert stats["cheque_or_debt"].reached == 1 and stats["cheque_or_debt"].answered == 1
    assert stats["result_complaint"].reached == 1


@time_machine.travel(NOW, tick=False)
def test_a_bad_or_future_date_is_refused_on_the_same_step(client):
    client.get(URL)
    post(client, node="cheque_or_debt", value="cheque")
    bad = client.post(URL, {"node": "cheque_date", "date": "1405/13/40"})
    assert bad.status_code == 400
    assert 'role="alert"' in bad.content.decode()
    future = client.post(URL, {"node": "cheque_date", "date": "1406/01/01"})
    assert future.status_code == 400
    assert "future" in future.content.decode() or "آینده" in future.content.decode()


@time_machine.travel(NOW, tick=False)
def test_none_of_these_leads_to_a_person_and_is_counted_with_its_path(client):
    client.get(URL)
    post(client, node="cheque_or_debt", value="cheque")
    page = post(client, node="cheque_date", action="none").content.decode()
    assert "مشاور" in page
    version = Tree.objects.get(slug="bounced-cheque").published
    assert StepStat.objects.get(version=version, node="cheque_date").none_of_these == 1
    assert NonePath.objects.get(version=version).path == ["cheque_or_debt", "cheque_date"]


@time_machine.travel(NOW, tick=False)
def test_back_and_a_stale_tab_do_not_corrupt_the_run(client):
    client.get(URL)
    post(client, node="cheque_or_debt", value="debt")
    post(client, action="back")
    page = post(client, node="debt_proof", value="written").content.decode()  # a stale tab: ignored
    assert "طلب شما با چک است" in page


@time_machine.travel(NOW, tick=False)
def test_an_unknown_date_still_gives_the_rule(client):
    client.get(URL)
    post(client, node="cheque_or_debt", value="cheque")
    post(client, node="cheque_date", unknown="1")
    page = post(client, node="presented", value="no").content.decode()
    assert "اول چک را به بانک بدهید" in page
    assert "تاریخ روی چک را ببینید" in page


@time_machine.travel(NOW, tick=False)
def test_the_button_carries_the_answers_over(client):
    walk_to_complaint(client)
    response = client.post(reverse("consult:diagnosis-start", args=["bounced-cheque"]))
    assert response.status_code == 302
    carry = client.session["consult.carry"]
    assert carry["facts"] == {"cheque_date": "2026-03-30", "certificate_date": "2026-04-21"}
    assert carry["tree"] == "bounced-cheque"


def test_a_preview_is_the_kanoons_only(client, personas):
    preview = URL + "?version=1"
    client.force_login(personas.clerk_a)
    assert client.get(preview).status_code == 404
    client.force_login(personas.kanoon_admin)
    page = client.get(preview)
    assert page.status_code == 200
    assert not StepStat.objects.exists()  # previews are not counted


@pytest.mark.parametrize(
    ("persona", "status"),
    [("kanoon_admin", 200), ("clerk_a", 404), ("consultant_a", 404), ("citizen", 404), ("inspector", 404)],
)
def test_the_editor_and_the_report_are_the_kanoons(client, personas, persona, status):
    client.force_login(getattr(personas, persona))
    for url in (
        reverse("consult:trees"),
        reverse("consult:tree-edit", args=["bounced-cheque"]),
        reverse("consult:content-report"),
    ):
        assert client.get(url).status_code == status


def test_the_editor_refuses_a_cycle_with_its_path_and_keeps_the_text(client, personas):
    client.force_login(personas.kanoon_admin)
    url = reverse("consult:tree-edit", args=["rent"])
    text = (
        '{"start": "a", "nodes": {"a": {"type": "question", "text_fa": "س",'
        ' "options": [{"value": "1", "label_fa": "ب", "next": "a"}]}}}'
    )
    page = client.post(url, {"definition": text, "intent": "save"})
    assert page.status_code == 400
    body = page.content.decode()
    assert "a → a" in body
    assert "&quot;start&quot;" in body or '"start"' in body
    assert Tree.objects.get(slug="rent").versions.count() == 1


def test_the_editor_previews_and_saves_a_new_version(client, personas):
    client.force_login(personas.kanoon_admin)
    tree = Tree.objects.get(slug="neighbour")
    text = __import__("json").dumps(tree.published.definition, ensure_ascii=False)
    preview = client.post(
        reverse("consult:tree-edit", args=["neighbour"]), {"definition": text, "intent": "preview"}
    )
    assert 'id="outline"' in preview.content.decode()
    saved = client.post(
        reverse("consult:tree-edit", args=["neighbour"]),
        {"definition": text, "intent": "publish", "note": "ok"},
    )
    assert saved.status_code == 302
    tree.refresh_from_db()
    assert tree.published.number == 2
