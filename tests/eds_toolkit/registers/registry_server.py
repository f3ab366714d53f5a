"""A registry service over real HTTP on loopback, answering the registers' protocol (``registry_http``)
from any ``Registers`` (the built-in tables in the tests): the peer the HTTP adapters talk to."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from eds_toolkit.registers import Registers

ROUTES = {
    "property": re.compile(r"/properties/([^/]+)"),
    "rental": re.compile(r"/rental-contracts/([^/]+)"),
}
LOOKUPS = {"/representatives/lookup": ("family", "person_iin"), "/capacity/lookup": ("capacity", "iin")}


@dataclass
class RegistryServer:
    """Serves ``registers`` at ``url``; ``down`` makes every answer 503; ``seen`` lists the paths asked."""

    registers: Registers
    prefix: str = "/registry"
    down: bool = False
    seen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server.seen.append(self.path)
                self._send(*server.answer(self.path))

            def do_POST(self) -> None:  # noqa: N802
                server.seen.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    lookup = json.loads(self.rfile.read(length) or b"null")
                except ValueError:
                    lookup = None
                self._send(*server.answer(self.path, lookup))

            def _send(self, status: int, body: object) -> None:
                payload = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}{self.prefix}"
        threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True).start()

    def answer(self, path: str, lookup: object = None) -> tuple[int, object]:
        if self.down:
            return 503, {"error": "maintenance"}
        if not path.startswith(self.prefix + "/"):
            return 404, {"error": "no such path"}
        path = path[len(self.prefix) :]
        if path in LOOKUPS:
            kind, field_name = LOOKUPS[path]
            iin = lookup.get(field_name) if isinstance(lookup, dict) else None
            if not isinstance(iin, str) or not re.fullmatch(r"\d{12}", iin):
                return 400, {"error": f"send {{{field_name!r}: <12 digits>}}"}
            return self._record(kind, iin)
        for kind, route in ROUTES.items():
            found = route.fullmatch(path)
            if found:
                return self._record(kind, found.group(1))
        return 404, {"error": "no such path"}

    def _record(self, kind: str, key: str) -> tuple[int, object]:
        if kind == "property":
            record = self.registers.property.property_at(key)
            body = record and {
                "address_id": record.address_id,
                "address": record.address,
                "owners": [{"iin": owner.iin, "share": str(owner.share)} for owner in record.owners],
            }
        elif kind == "rental":
            record = self.registers.rental.contract_at(key)
            body = record and {
                "address_id": record.address_id,
                "address": record.address,
                "contract_number": record.contract_number,
                "tenant_iin": record.tenant_iin,
                "listed_iins": list(record.listed_iins),
            }
        elif kind == "family":
            relations = self.registers.family.representatives_of(key)
            body = relations and {
                "representatives": [
                    {
                        "representative_iin": r.representative_iin,
                        "relation": str(r.relation),
                        "basis": r.basis,
                    }
                    for r in relations
                ]
            }
        else:
            record = self.registers.capacity.capacity_of(key)
            body = record and {
                "iin": record.iin,
                "status": str(record.status),
                "court_decision": record.court_decision,
                "decided_on": record.decided_on.isoformat() if record.decided_on else None,
            }
        return (200, body) if body else (404, {"error": "no record"})

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
