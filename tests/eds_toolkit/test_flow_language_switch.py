"""The language switch works from every page, including pages rendered by a refused POST, and never
redirects off the site; 404 and 405 pages are in the page's language."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flow_helpers import KNOWN_PHONE, code_for

LINK = re.compile(r'<a href="([^"]+)" lang="(?:en|kk|ru)" hreflang="(en|kk|ru)">')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

HEADINGS = {"en": "Enter your IIN", "kk": "ЖСН-іңізді енгізіңіз", "ru": "Введите ваш ИИН"}


def language_links(html: str) -> dict[str, str]:
    return {code: unescape(href) for href, code in LINK.findall(html)}


def post_form(client, page: str, action: str, **fields):
    token = CSRF.search(client.get(page).get_data(as_text=True)).group(1)
    return client.post(action, data={"csrf_token": token, **fields})


def test_each_language_link_of_a_refused_start_opens_the_start_page_in_that_language(client):
    refused = post_form(client, "/", "/start", iin="123")
    assert refused.status_code == 422
    links = language_links(refused.get_data(as_text=True))
    assert set(links) == {"kk", "ru"}  # English is the current one
    for code, href in links.items():
        answer = client.get(href, follow_redirects=True)
        assert answer.status_code == 200, href
        html = answer.get_data(as_text=True)
        assert f'lang="{code}"' in html and HEADINGS[code] in html


def test_language_link_after_a_resend_notice_goes_back_to_the_code_page(client, outbox, clock):
    post_form(client, "/", "/start", iin="850314312017")
    assert code_for(outbox, KNOWN_PHONE)
    clock.advance(61)
    notice = post_form(client, "/code", "/code/resend")
    assert notice.status_code == 200
    switched = client.get(language_links(notice.get_data(as_text=True))["ru"])
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/continue")
    page = client.get("/continue", follow_redirects=True)
    assert page.request.path == "/code"
    assert "Введите код из SMS от 1414" in page.get_data(as_text=True)


def test_language_link_from_a_get_page_comes_back_to_the_same_page(client):
    page = client.get("/cabinet/login").get_data(as_text=True)
    switched = client.get(language_links(page)["kk"])
    assert switched.status_code == 302 and switched.headers["Location"] == "/cabinet/login"
    assert "Жеке кабинет" in client.get("/cabinet/login").get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "///evil.example/",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x=1",
        "/no/such/page",
        "/start",  # POST only
    ],
)
def test_the_switch_never_redirects_off_the_site_or_to_a_post_only_route(client, target):
    answer = client.get("/language/ru", query_string={"next": target})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/continue"


def test_unknown_language_is_a_404(client):
    assert client.get("/language/de?next=/").status_code == 404


def test_404_and_405_pages_are_in_the_page_language(client):
    client.get("/language/ru?next=/")
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "Такой страницы нет" in missing.get_data(as_text=True)
    wrong_method = client.get("/start")
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["Allow"]
    assert "Этот адрес нельзя открыть напрямую" in wrong_method.get_data(as_text=True)
    # the API keeps answering problem details in English by default
    api = client.get("/api/v1/nothing-here", headers={"Accept-Language": "en"})
    assert api.status_code == 404 and api.mimetype == "application/problem+json"
