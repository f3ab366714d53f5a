"""Reading the certificates page the way its script does: the #agent section's data attributes."""

from __future__ import annotations

from html.parser import HTMLParser

AGENT_URL = "ws://127.0.0.1:45871"
"""The agent address the in-process app is configured with (nothing listens there)."""


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.scripts: list[dict[str, str | None]] = []
        self.inline_script = False
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.by_id[attributes["id"]] = {"_tag": tag, **attributes}
        if tag == "script":
            self.scripts.append(attributes)
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_script = True


def parse_page(html: str) -> _Elements:
    """Elements by id (their attributes, entities decoded), the script tags, whether any script is inline."""
    parser = _Elements()
    parser.feed(html)
    return parser


def csrf_of(client, path: str = "/certificates") -> str:
    """The CSRF token the page hands its script (``data-csrf`` of the agent section)."""
    token = parse_page(client.get(path).get_data(as_text=True)).by_id["agent"]["data-csrf"]
    assert token
    return token
