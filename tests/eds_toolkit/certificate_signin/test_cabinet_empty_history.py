"""A citizen whose history is empty (a pair issued at a service centre, signed in with the AUTH key) is told
so, in their language, instead of being shown a table of headings with nothing under them."""

from __future__ import annotations

import re

import pytest
from cabinet_helpers import ASKAR, citizen_with_pair, sign_in_with_certificate

from eds_toolkit.web.i18n import LANGUAGES
from tests.catalogues import po_text

EMPTY = "Nothing here yet: what is done with your IIN in this service appears here."


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_empty_history_says_so_instead_of_an_empty_table(app, ctx, language):
    client = app.test_client()
    sign_in_with_certificate(client, citizen_with_pair(ctx, ASKAR, "askar"))

    page = client.get(f"/cabinet/?lang={language}").get_data(as_text=True)

    history = re.search(r'<table class="history">.*?</table>', page, re.S).group(0)
    text = EMPTY if language == "en" else po_text(language, EMPTY)
    assert f'<td colspan="3" id="no-history">{text}</td>' in history
    assert 'class="done"' not in history and 'class="refused"' not in history
