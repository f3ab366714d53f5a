"""Reading the certificates page the way its script does: the #agent section's data attributes."""

from __future__ import annotations

from html.parser import HTMLParser

AGENT_URL = "ws://127.0.0.1:45871"
"""The agent address the in-process app is configured with (nothing listens there)."""


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.text_of: dict[str, str] = {}
        self.scripts: list[dict[str, str | None]] = []
        self.inline_script = False
        self._in_script = False
        self._open: list[tuple[str, str | None]] = []  # (tag, id) of the elements around the text
        self.repeated: list[tuple[str, str]] = []  # (tag, attribute) written twice on one element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes: dict[str, str | None] = {}
        for name, value in attrs:  # a browser keeps an attribute's first value and drops the others
            if name in attributes:
                self.repeated.append((tag, name))
            else:
                attributes[name] = value
        if attributes.get("id"):
            self.by_id[attributes["id"]] = {"_tag": tag, **attributes}
            self.text_of[attributes["id"]] = ""
        if tag == "script":
            self.scripts.append(attributes)
            self._in_script = True
        if tag not in _VOID:
            self._open.append((tag, attributes.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_script = True
        for _tag, element_id in self._open:
            if element_id:
                self.text_of[element_id] += data

    def text(self, element_id: str) -> str:
        """The element's text with runs of white space made one space, as a browser shows it."""
        return " ".join(self.text_of[element_id].split())


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
