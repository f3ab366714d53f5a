"""`eds agent --terminal` asks in the citizen's language, chosen as for the windows: the page's, else the
system's (kk, ru; English is in test_confirmation.py).

One citizen's whole way through a real agent on a pty: allow the site, Enter (no) then yes for the
folder, make the keys, the password rules before the new password, a mismatch, saving, signing with
the key chosen by number, an unanswered question and a withdrawn one.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass

import pytest
from websockets.sync.client import connect

from keystore.password_policy import PasswordRule

from .conftest import AIGERIM, EDS, PASSWORD
from .terminal import Terminal

BASICS = "kz.gov.pki.knca.basics"
ISSUANCE = "kz.eds.toolkit.issuance"
SITE = "http://localhost:5000"  # not given with --origin: the agent asks about it
TIMEOUT = 10  # --answer-timeout
CANCELLED = {"status": True, "body": {}}  # NCALayer's "cancelled" for basics-style modules
DOCUMENT = "Келісемін. Согласен."


@dataclass(frozen=True)
class Speech:
    """What the agent must say in one language (regular expressions over the terminal's screen)."""

    yes: str
    hint: str
    allow_site: str
    folder: str
    allow: str
    proceed: str
    rules_heading: str
    password: str
    repeat: str
    differ: str
    save: str
    sign: str
    choose: str
    number: str
    no_answer: str
    withdrawn: str


RUSSIAN = Speech(
    yes="да",
    hint=r"\(да/нет; Enter — нет\) ",
    allow_site=r"Разрешить этому сайту пользоваться eds agent\? ",
    folder="Папка:",
    allow=r"Разрешить\? ",
    proceed=r"Продолжить\? ",
    rules_heading="Требования к паролю:",
    password="Пароль: ",
    repeat="Повторите пароль: ",
    differ=r"Пароли не совпадают; ничего не сохранено\.",
    save=r"Сохранить хранилища ключей AUTH и SIGN в папку .*\? ",
    sign=r"Сайт просит подписать ЭЦП 1 документ\.",
    choose=r"Выберите ключ\r\n  1\. SIGN \(подпись\)  .*  ИИН \d{12}  Срок действия: ",
    number=r"Номер ключа \(пусто — отмена\): ",
    no_answer=rf"Нет ответа за {TIMEOUT} с: запрос отклонён\.",
    withdrawn=r"Страница, которая спрашивала, закрыта: вопрос снят\.",
)
KAZAKH = Speech(
    yes="иә",
    hint=r"\(иә/жоқ; Enter — жоқ\) ",
    allow_site=r"Бұл сайтқа eds agent-ті пайдалануға рұқсат бересіз бе\? ",
    folder="Қалта:",
    allow=r"Рұқсат бересіз бе\? ",
    proceed=r"Жалғастырасыз ба\? ",
    rules_heading="Құпиясөзге қойылатын талаптар:",
    password="Құпиясөз: ",
    repeat="Құпиясөзді қайталаңыз: ",
    differ=r"Құпиясөздер сәйкес келмейді; ештеңе сақталған жоқ\.",
    save=r"AUTH және SIGN кілттер қоймалары .* қалтасына сақталсын ба\? ",
    sign=r"Сайт 1 құжатқа ЭЦҚ-мен қол қоюды сұрайды\.",
    choose=r"Кілтті таңдаңыз\r\n  1\. SIGN \(қол қою\)  .*  ЖСН \d{12}  Жарамдылық мерзімі: ",
    number=r"Кілттің нөмірі \(бос қалдырсаңыз — бас тарту\): ",
    no_answer=rf"{TIMEOUT} секунд ішінде жауап болмады: сұрау қабылданбады\.",
    withdrawn=r"Сұрақ қойған бет жабылды: сұрақ жойылды\.",
)


@pytest.mark.parametrize(
    ("page_language", "system_locale", "speech"),
    [
        pytest.param("ru", "C.UTF-8", RUSSIAN, id="ru-from-the-page"),
        pytest.param("kk", "ru_RU.UTF-8", KAZAKH, id="kk-from-the-page-over-a-russian-system"),
        pytest.param(None, "kk_KZ.UTF-8", KAZAKH, id="kk-from-the-system-locale"),
    ],
)
def test_the_terminal_asks_in_the_citizens_language(page_language, system_locale, speech, tmp_path, test_ca):
    store = tmp_path / "eds-keys"
    terminal = Terminal(
        [str(EDS), "--home", str(tmp_path / "home"), "agent", "--port", "0", "--no-tls"]
        + ["--store", str(store), "--answer-timeout", str(TIMEOUT), "--terminal"],
        locale=system_locale,
    )
    said = {"locale": page_language} if page_language else {}
    person = {"enrolmentId": "e-1", "iin": AIGERIM.iin, "surname": "Сейтқали", "givenName": "Әйгерім", **said}
    try:
        port = terminal.wait_for(r"ws://127\.0\.0\.1:(\d+)/").group(1)
        with connect(f"ws://127.0.0.1:{port}", origin=SITE) as ws:
            ws.recv(timeout=10)
            ws.send(_request(ISSUANCE, "makeRequests", person))
            terminal.wait_for(rf"{re.escape(SITE)}\r\n.*\r\n{speech.allow_site}{speech.hint}$")
            terminal.type(speech.yes + "\n")
            # Enter alone is No: nothing is made
            terminal.wait_for(rf"{speech.folder} {re.escape(str(store))}\r\n{speech.allow}{speech.hint}$")
            terminal.type("\n")
            assert _reply(ws) == CANCELLED and not store.exists()

            ws.send(_request(ISSUANCE, "makeRequests", person))
            _answer(terminal, rf"{speech.allow}{speech.hint}$", speech.yes)
            _answer(terminal, rf"{speech.proceed}{speech.hint}$", speech.yes)
            requests = _reply(ws)["body"]["result"]
            certificates = {"enrolmentId": "e-1", **test_ca.issue_pair(requests, AIGERIM), **said}

            # the rules are shown before the password is asked for; two different passwords save nothing
            ws.send(_request(ISSUANCE, "installCertificates", certificates))
            rules = r"".join(r"  • .+\r\n" for _ in PasswordRule)
            terminal.wait_for(rf"{speech.rules_heading}\r\n{rules}{speech.password}$")
            _answer(terminal, rf"{speech.password}$", PASSWORD)
            _answer(terminal, rf"{speech.repeat}$", PASSWORD + "!")
            terminal.wait_for(speech.differ)
            assert _reply(ws) == CANCELLED and not list(store.glob("*.p12"))

            ws.send(_request(ISSUANCE, "installCertificates", certificates))
            _answer(terminal, rf"{speech.password}$", PASSWORD)
            _answer(terminal, rf"{speech.repeat}$", PASSWORD)
            _answer(terminal, rf"{speech.save}{speech.hint}$", speech.yes)
            assert len(_reply(ws)["body"]["result"]["files"]) == 2

            ws.send(_request(BASICS, "sign", _sign_args(said)))
            terminal.wait_for(speech.sign)
            mark = len(terminal.screen)
            _answer(terminal, rf"{speech.password}$", PASSWORD)
            _answer(terminal, rf"{speech.choose}.*\r\n{speech.number}$", "1")
            assert PASSWORD not in terminal.screen[mark:], "the password must not be echoed"
            assert _reply(ws)["body"]["result"]

            ws.send(_request(ISSUANCE, "chooseStore", said))
            terminal.wait_for(rf"{speech.allow}{speech.hint}$")
            terminal.wait_for(speech.no_answer, timeout=TIMEOUT + 20)
            assert _reply(ws) == CANCELLED

        with connect(f"ws://127.0.0.1:{port}", origin=SITE) as ws:
            ws.recv(timeout=10)
            ws.send(_request(ISSUANCE, "chooseStore", said))
            terminal.wait_for(rf"{speech.allow}{speech.hint}$")
        terminal.wait_for(speech.withdrawn, timeout=10)
        assert not re.search(r"\[y/N\]|Allow\?|Password:", terminal.screen), "no English on the way"
    finally:
        terminal.close()


def _request(module: str, method: str, args: object) -> str:
    return json.dumps({"module": module, "method": method, "args": args})


def _reply(ws) -> dict:
    return json.loads(ws.recv(timeout=60))


def _answer(terminal: Terminal, prompt: str, typed: str) -> None:
    """Wait for ``prompt`` to be the last thing on the screen (the question now open), then answer it."""
    terminal.wait_for(prompt)
    terminal.type(typed + "\n")


def _sign_args(said: dict) -> dict:
    return {
        "allowedStorages": None,
        "format": "cms",
        "data": base64.b64encode(DOCUMENT.encode()).decode(),
        "signingParams": {"decode": True, "encapsulate": True},
        "signerParams": {"extKeyUsageOids": ["1.3.6.1.5.5.7.3.4"]},
        **said,
    }
