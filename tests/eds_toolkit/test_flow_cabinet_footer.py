"""The footer calls the CA a TEST CA only when it is one; otherwise it names the issuing CA."""

from __future__ import annotations

import json

from eds_toolkit.web.cabinet import issuer_is_test_ca
from eds_toolkit.web.context import service

TEST_NOTICE = "certificates are issued by a TEST CA"


def footer(client, language: str = "en") -> str:
    page = client.get(f"/?lang={language}").get_data(as_text=True)
    return page[page.index("<footer>") :]


def rename_ca(home, root: str, issuing: str) -> None:
    config_file = home / "ca" / "ca.json"
    data = json.loads(config_file.read_text(encoding="utf-8"))
    data.update(root_name=root, issuing_name=issuing)
    config_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_the_embedded_test_ca_is_called_a_test_ca(client, app):
    assert issuer_is_test_ca(service(app).settings)
    assert TEST_NOTICE in footer(client)


def test_a_production_ca_is_named_and_not_called_test(client, app, home):
    rename_ca(home, "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ ТҮБІРЛІК (RSA)", "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA)")
    assert not issuer_is_test_ca(service(app).settings)
    english = footer(client)
    assert "TEST" not in english
    assert "Certificates are issued by ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA)." in english
    assert "Сертификаты выпускает ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA)." in footer(client, "ru")


def test_a_test_named_root_marks_the_service_as_test(client, home):
    rename_ca(home, "ROOT CA TEST", "ISSUING CA")
    assert TEST_NOTICE in footer(client)
