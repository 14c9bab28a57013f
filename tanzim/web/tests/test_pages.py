"""Pages through Django's test client: language and direction, the directory, sign-in, homes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone, translation

from tanzim.accounts.models import User
from tanzim.accounts.services import BAD_CREDENTIALS
from tanzim.notify.models import Message
from tanzim.offices.choices import LicenceKind, OfficeStatus
from tanzim.offices.models import City, Licence
from tanzim.testing.factories import CitizenFactory, OfficeFactory, UserFactory

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
HTML_FA = '<html lang="fa" dir="rtl">'
HTML_EN = '<html lang="en" dir="ltr">'


def html(response) -> str:
    return response.content.decode()


def switch_to_english(client, next_url="/"):
    response = client.post(reverse("set_language"), {"language": "en", "next": next_url})
    assert response.status_code == 302
    return response


def card_codes(response) -> list[str]:
    return re.findall(r'class="card h-100 office-card" data-code="([^"]+)"', html(response))


def persian(text: str) -> str:
    return text.translate(str.maketrans("0123456789", PERSIAN_DIGITS))


# --- language and direction -------------------------------------------------------------


def test_the_home_page_is_persian_and_right_to_left_by_default(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert HTML_FA in html(response)
    assert "bootstrap.rtl.min.css" in html(response)
    assert "vazirmatn.css" in html(response)


def test_the_home_page_is_english_and_left_to_right_after_choosing_english(client, db):
    switch_to_english(client)

    response = client.get("/")

    assert HTML_EN in html(response)
    assert "bootstrap.min.css" in html(response)
    assert "bootstrap.rtl.min.css" not in html(response)
    assert "Find an office" in html(response)


def test_switching_back_to_persian_restores_right_to_left(client, db):
    switch_to_english(client)
    client.post(reverse("set_language"), {"language": "fa", "next": "/"})

    assert HTML_FA in html(client.get("/"))


def test_the_home_page_counts_provinces_in_persian_digits(client, db):
    content = html(client.get("/"))

    assert '<div class="fs-3 fw-bold">۳۱</div>' in content


def test_the_home_page_shows_remote_prices_in_the_chosen_language(client, db):
    switch_to_english(client)

    response = client.get("/")
    content = html(response)

    featured = response.context["featured"]
    # One of each category, so a category's many variants (advice by document) do not fill it.
    assert len({service.category for service, _prices in featured}) == len(featured) == 6
    for service, prices in featured:
        assert f"{prices['remote']:,}" in content and service.name_en in content


# --- the directory ----------------------------------------------------------------------


@pytest.fixture
def directory_offices(db):
    tehran = City.objects.get(code="THR-01")
    isfahan = City.objects.get(province__code="ISF", is_capital=True)
    return {
        "consult": OfficeFactory(code="THR1234", city=tehran, setup=[LicenceKind.CONSULTATION]),
        "plain": OfficeFactory(code="THR5678", city=tehran, setup=[LicenceKind.MEDIATION]),
        "isfahan": OfficeFactory(code="ISF1111", city=isfahan, setup=[LicenceKind.CONSULTATION]),
        "suspended": OfficeFactory(code="THR9999", city=tehran, status=OfficeStatus.SUSPENDED),
    }


def test_the_directory_lists_active_offices(client, directory_offices):
    response = client.get(reverse("web:directory"))

    assert response.status_code == 200
    assert sorted(card_codes(response)) == ["ISF1111", "THR1234", "THR5678"]


def test_the_directory_filters_by_province(client, directory_offices):
    response = client.get(reverse("web:directory"), {"province": "THR"})

    assert sorted(card_codes(response)) == ["THR1234", "THR5678"]


def test_the_directory_filters_by_a_service_that_needs_a_licence(client, directory_offices):
    response = client.get(reverse("web:directory"), {"province": "THR", "service": "consultation"})

    assert card_codes(response) == ["THR1234"]


def test_the_directory_shows_counts_and_codes_in_persian_digits(client, directory_offices):
    content = html(client.get(reverse("web:directory"), {"province": "THR"}))

    count = re.search(r'<p class="text-muted" id="result-count">(.*?)</p>', content).group(1)
    assert "۲" in count
    assert not re.search(r"[0-9]", count)
    assert persian("1234") in content
    assert "+982166000000" not in content
    assert persian("+982166000000") in content


def test_the_directory_in_english_shows_ascii_digits(client, directory_offices):
    switch_to_english(client)

    content = html(client.get(reverse("web:directory"), {"province": "THR"}))

    assert "2 offices found" in content
    assert '<bdi dir="ltr">THR1234</bdi>' in content
    assert '<bdi dir="ltr">+982166000000</bdi>' in content


def test_the_directory_keeps_the_chosen_filters_selected(client, directory_offices):
    content = html(client.get(reverse("web:directory"), {"province": "THR", "service": "consultation"}))

    assert '<option value="THR" selected>' in content
    assert '<option value="consultation" selected>' in content
    assert 'value="THR-01"' in content  # the cities of the chosen province


def test_the_directory_refuses_an_unknown_province_without_listing_anything(client, directory_offices):
    response = client.get(reverse("web:directory"), {"province": "XXX"})

    assert response.status_code == 200
    assert card_codes(response) == []
    assert 'class="alert alert-danger error-summary"' in html(response)


def test_the_directory_search_accepts_arabic_letters(client, db):
    tehran = City.objects.get(code="THR-01")
    OfficeFactory(code="K1", city=tehran, name_fa="دفتر کریمی")
    OfficeFactory(code="R1", city=tehran, name_fa="دفتر رضایی")

    assert card_codes(client.get(reverse("web:directory"), {"q": "كريمي"})) == ["K1"]


def test_the_directory_shows_only_licences_valid_today(client, db):
    today = timezone.localdate()
    office = OfficeFactory(
        code="THR4321", city=City.objects.get(code="THR-01"), setup=[LicenceKind.MEDIATION]
    )
    Licence.objects.create(
        office=office,
        kind=LicenceKind.ARBITRATION,
        valid_from=today - timedelta(days=365),
        valid_until=today - timedelta(days=1),
    )
    switch_to_english(client)

    content = html(client.get(reverse("web:directory")))

    assert "Mediation and peace-making" in content
    assert "Arbitration</span>" not in content


def test_the_directory_answers_an_htmx_request_with_the_results_block(client, directory_offices):
    response = client.get(reverse("web:directory"), {"province": "ISF"}, headers={"hx-request": "true"})

    assert response.status_code == 200
    assert '<div id="directory">' in html(response)
    assert card_codes(response) == ["ISF1111"]


def test_the_directory_page_has_balanced_divs(client, directory_offices):
    content = html(client.get(reverse("web:directory")))

    assert content.count("<div") == content.count("</div>")


# --- staff sign-in ----------------------------------------------------------------------


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk.a", password="correct-horse-battery")


def test_a_wrong_password_shows_a_translated_error(client, clerk):
    response = client.post(reverse("web:login"), {"username": "clerk.a", "password": "wrong-password"})

    assert response.status_code == 200
    with translation.override("fa"):
        expected = str(BAD_CREDENTIALS)
    assert expected in html(response)
    assert SESSION_KEY not in client.session


def test_a_wrong_password_shows_the_error_in_english_after_choosing_english(client, clerk):
    switch_to_english(client, "/login/")

    response = client.post(reverse("web:login"), {"username": "clerk.a", "password": "wrong-password"})

    assert HTML_EN in html(response)
    assert "The username or password is wrong." in html(response)


def test_the_login_page_never_echoes_the_password(client, clerk):
    response = client.post(reverse("web:login"), {"username": "clerk.a", "password": "s3cret-typo-value"})

    assert "s3cret-typo-value" not in html(response)
    assert 'value="clerk.a"' in html(response)


def test_a_right_password_signs_in_and_lands_on_home(client, clerk):
    response = client.post(reverse("web:login"), {"username": "clerk.a", "password": "correct-horse-battery"})

    assert response.status_code == 302
    assert response["Location"] == "/home/"
    assert int(client.session[SESSION_KEY]) == clerk.pk


def test_sign_in_follows_a_local_next_address(client, clerk):
    response = client.post(
        reverse("web:login") + "?next=/inbox/", {"username": "clerk.a", "password": "correct-horse-battery"}
    )

    assert response["Location"] == "/inbox/"


def test_sign_in_refuses_to_redirect_to_another_site(client, clerk):
    response = client.post(
        reverse("web:login") + "?next=https://evil.example/phish",
        {"username": "clerk.a", "password": "correct-horse-battery"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/home/"


# --- citizen sign-in by OTP -------------------------------------------------------------


@pytest.fixture
def alice(db):
    return CitizenFactory(first_name="آلیس", last_name="احمدی", mobile="+989121234567")


def _code_from(content: str) -> str:
    sms = re.search(r'<p class="mb-1 demo-sms">(.*?)</p>', content, re.S)
    assert sms, "the demo SMS is not on the page"
    digits = re.search(r"[0-9۰-۹]{6}", sms.group(1))
    assert digits, sms.group(1)
    return digits.group(0)


def test_a_citizen_signs_in_with_the_code_shown_in_the_demo_inbox(client, alice, settings):
    settings.SHOW_OUTBOX_IN_UI = True

    assert client.get(reverse("web:otp-request")).status_code == 200
    response = client.post(
        reverse("web:otp-request"), {"national_code": persian(alice.national_code), "mobile": "09121234567"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:otp-verify")

    page = client.get(reverse("web:otp-verify"))
    assert 'id="demo-inbox"' in html(page)
    code = _code_from(html(page))

    response = client.post(reverse("web:otp-verify"), {"code": code})
    assert response.status_code == 302
    assert response["Location"] == "/home/"
    home = client.get("/home/")
    assert "آلیس احمدی" in html(home)
    assert persian(alice.national_code) in html(home)


def test_the_demo_inbox_is_hidden_when_the_outbox_is_not_shown(client, alice, settings):
    settings.SHOW_OUTBOX_IN_UI = False
    client.post(reverse("web:otp-request"), {"national_code": alice.national_code, "mobile": "09121234567"})

    page = client.get(reverse("web:otp-verify"))

    assert page.status_code == 200
    assert "demo-sms" not in html(page)
    assert Message.objects.filter(to="+989121234567").exists()


def test_an_unknown_citizen_sees_the_same_verify_page_and_no_sms_is_sent(client, alice, settings):
    settings.SHOW_OUTBOX_IN_UI = True
    from tanzim.testing.factories import next_national_code

    response = client.post(
        reverse("web:otp-request"), {"national_code": next_national_code(), "mobile": "09121234567"}
    )

    assert response["Location"] == reverse("web:otp-verify")
    assert not Message.objects.exists()


def test_a_wrong_code_keeps_the_citizen_on_the_verify_page(client, alice, settings):
    settings.SHOW_OUTBOX_IN_UI = True
    client.post(reverse("web:otp-request"), {"national_code": alice.national_code, "mobile": "09121234567"})
    code = _code_from(html(client.get(reverse("web:otp-verify"))))
    wrong = "000000" if code != "000000" else "111111"

    response = client.post(reverse("web:otp-verify"), {"code": wrong})

    assert response.status_code == 200
    assert 'class="alert alert-danger error-summary"' in html(response)
    assert SESSION_KEY not in client.session


def test_the_verify_page_without_a_pending_sign_in_sends_back_to_the_start(client, db):
    response = client.get(reverse("web:otp-verify"))

    assert response.status_code == 302
    assert response["Location"] == reverse("web:otp-request")


def test_an_invalid_national_code_on_the_otp_page_is_a_field_error(client, db):
    response = client.post(
        reverse("web:otp-request"), {"national_code": "1234567890", "mobile": "09121234567"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["national_code"]


# --- sign-up ----------------------------------------------------------------------------


SIGNUP = {
    "national_code": "1234567890",  # fails the checksum
    "mobile": "09127654321",
    "first_name": "مریم",
    "last_name": "کاظمی",
    "birth_date": "1370/05/21",
    "preferred_language": "fa",
}


def test_sign_up_refuses_an_invalid_national_code_and_keeps_the_other_inputs(client, db):
    response = client.post(reverse("web:signup"), SIGNUP)

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["national_code"]
    content = html(response)
    assert 'id="id_national_code-error"' in content
    assert 'value="مریم"' in content
    assert 'value="کاظمی"' in content
    assert 'value="1370/05/21"' in content
    assert 'value="09127654321"' in content
    assert not User.objects.filter(first_name="مریم").exists()


def test_sign_up_with_valid_details_sends_a_code_and_opens_the_verify_page(client, db, settings):
    settings.SHOW_OUTBOX_IN_UI = True
    from tanzim.testing.factories import next_national_code

    code = next_national_code()

    response = client.post(reverse("web:signup"), {**SIGNUP, "national_code": persian(code)})

    assert response.status_code == 302
    assert response["Location"] == reverse("web:otp-verify")
    user = User.objects.get(national_code=code)
    assert user.is_active is False
    assert user.mobile == "+989127654321"
    assert "demo-sms" in html(client.get(reverse("web:otp-verify")))


# --- homes ------------------------------------------------------------------------------

HOME_KINDS = {
    "citizen": "citizen",
    "clerk_a": "office",
    "manager_a": "office",
    "clerk_b": "office",
    "mediator_a": "office",
    "arbitrator_a": "office",
    "consultant_a": "office",
    "inspector": "kanoon",
    "partner": "kanoon",
    "kanoon_admin": "kanoon",
    "province_admin_a": "province",
}


@pytest.mark.parametrize(("persona", "kind"), sorted(HOME_KINDS.items()))
def test_each_persona_lands_on_the_right_kind_of_home(client, personas, persona, kind):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse("web:home"))

    assert response.status_code == 200
    assert response.context["kind"] == kind


def test_an_office_home_shows_the_own_office_and_not_the_other(client, personas):
    client.force_login(personas.clerk_a)

    content = html(client.get(reverse("web:home")))

    assert "دفتر الف" in content
    assert "دفتر ب" not in content
    assert 'id="province-table"' not in content


def test_the_kanoon_home_lists_every_province(client, personas):
    client.force_login(personas.kanoon_admin)

    content = html(client.get(reverse("web:home")))

    table = re.search(
        r'<table class="table table-sm" id="province-table">(.*?)</table>', content, re.S
    ).group(1)
    assert table.count("<tr>") == 1 + 31


def test_the_province_home_lists_only_its_own_province(client, personas):
    client.force_login(personas.province_admin_a)

    content = html(client.get(reverse("web:home")))

    table = re.search(r'id="province-table">(.*?)</table>', content, re.S).group(1)
    assert table.count("<tr>") == 1 + 1
    assert "تهران" in table


def test_the_citizen_home_shows_the_citizens_own_details(client, personas):
    client.force_login(personas.citizen)

    content = html(client.get(reverse("web:home")))

    assert "آلیس احمدی" in content
    assert persian(personas.citizen.national_code) in content
    assert persian(personas.other_citizen.national_code) not in content


def test_home_requires_signing_in(client, db):
    response = client.get(reverse("web:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
    assert "next=/home/" in response["Location"]


def test_signing_out_needs_a_post_and_ends_the_session(client, personas):
    client.force_login(personas.citizen)

    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))

    assert response["Location"] == "/"
    assert client.get(reverse("web:home")).status_code == 302


# --- health and API docs ----------------------------------------------------------------


def test_the_health_check_answers_ok(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_the_api_docs_render_without_any_cdn(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    content = html(response).lower()
    assert "swagger" in content
    assert "cdn" not in content
    assert "jsdelivr" not in content
    assert "unpkg" not in content
    assert "/static/drf_spectacular_sidecar/" in content


DESK_PERSONAS = [
    "citizen",
    "clerk_a",
    "manager_a",
    "clerk_b",
    "mediator_a",
    "arbitrator_a",
    "consultant_a",
    "inspector",
    "province_admin_a",
    "kanoon_admin",
    "partner",
]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", DESK_PERSONAS)
def test_every_link_on_the_desk_opens_for_its_persona(client, personas, persona):
    client.force_login(getattr(personas, persona))
    page = html(client.get(reverse("web:home")))
    desk = page.split('id="desk"', 1)[1].split('class="h5 mt-4"', 1)[0]
    links = re.findall(r'<a class="btn btn-sm [^"]*" href="([^"]+)">', desk)
    assert links, "every persona has something to do"
    for url in links:
        response = client.get(url, follow=True)
        assert response.status_code == 200, (persona, url, response.status_code)


@pytest.mark.django_db
def test_the_desk_shows_each_role_its_own_work(client, personas):
    client.force_login(personas.clerk_a)
    clerk = html(client.get(reverse("web:home")))
    assert reverse("cases:worklist") in clerk and reverse("cases:start") not in clerk
    assert reverse("scheduling:queue", args=[personas.office_a.code]) in clerk
    assert reverse("scheduling:queue", args=[personas.office_b.code]) not in clerk
    assert reverse("finance:kanoon") not in clerk
    client.force_login(personas.citizen)
    citizen = html(client.get(reverse("web:home")))
    assert reverse("cases:start") in citizen and reverse("cases:worklist") not in citizen
    assert reverse("scheduling:find") in citizen and reverse("disputes:join") in citizen
    client.force_login(personas.kanoon_admin)
    kanoon = html(client.get(reverse("web:home")))
    assert reverse("finance:kanoon") in kanoon and reverse("inspections:plan") in kanoon
