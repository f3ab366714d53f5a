"""The registers kept by other services, reached over HTTP (one URL each, like the citizens registry).

``GET {url}/properties/{address_id}``  -> ``{"address_id", "address", "owners": [{"iin", "share": "1/2"}]}``
``GET {url}/rental-contracts/{address_id}`` -> ``{"address_id", "address", "contract_number",
"tenant_iin", "listed_iins": [...]}``
``POST {url}/representatives/lookup {"person_iin"}`` -> ``{"representatives": [{"representative_iin",
"relation", "basis"}]}``
``POST {url}/capacity/lookup {"iin"}`` -> ``{"iin", "status", "court_decision", "decided_on": "YYYY-MM-DD"}``

A person is looked up with the IIN in the request body, never in the URL (URLs end up in access logs);
an address id is not personal. 404 means "no record". Every answer passes the same checks as an
imported CSV row; anything else (another status, a timeout, a record that does not hold) is
RegisterUnavailable.
"""

from __future__ import annotations

import requests

from eds_toolkit.registers.base import RegisterUnavailable
from eds_toolkit.registers.records import (
    CapacityRecord,
    InvalidRecord,
    PropertyRecord,
    RelationRecord,
    RentalContractRecord,
    checked_address_id,
    checked_iin,
    make_capacity,
    make_property,
    make_relation,
    make_rental_contract,
)

_UNUSABLE = (InvalidRecord, ValueError, KeyError, TypeError, AttributeError)


class _HttpRegistry:
    name = "register"

    def __init__(self, url: str, timeout: float = 5, *, token: str | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"the {self.name} registry URL must start with http:// or https://, not {url!r}")
        self.url = url.rstrip("/")
        self._timeout = timeout
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _get(self, path: str, lookup: dict | None = None) -> dict | None:
        """The JSON object at ``path`` (with ``lookup``: POSTed as the JSON body), or None for 404."""
        try:
            response = requests.request(
                "POST" if lookup is not None else "GET",
                f"{self.url}/{path}",
                json=lookup,
                headers=self._headers,
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise RegisterUnavailable(
                f"the {self.name} registry did not answer within {self._timeout:g} s"
            ) from None
        except requests.ConnectionError:
            raise RegisterUnavailable(f"the {self.name} registry cannot be reached") from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise RegisterUnavailable(f"the {self.name} registry answered HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise RegisterUnavailable(f"the {self.name} registry sent something that is not JSON") from None
        if not isinstance(data, dict):
            raise RegisterUnavailable(f"the {self.name} registry sent something that is not a JSON object")
        return data

    def _unusable(self, error: Exception) -> RegisterUnavailable:
        return RegisterUnavailable(f"the {self.name} registry sent an unusable record: {error}")


class HttpPropertyRegistry(_HttpRegistry):
    name = "property"

    def property_at(self, address_id: str) -> PropertyRecord | None:
        address_id = checked_address_id(address_id)  # only a checked id goes into the URL path
        data = self._get(f"properties/{address_id}")
        if data is None:
            return None
        try:
            record = make_property(
                data["address_id"],
                data["address"],
                [(owner["iin"], owner["share"]) for owner in data["owners"]],
            )
            if record.address_id != address_id:
                raise ValueError(f"asked for address {address_id}, got {record.address_id}")
        except _UNUSABLE as error:
            raise self._unusable(error) from None
        return record


class HttpRentalRegistry(_HttpRegistry):
    name = "rental contracts"

    def contract_at(self, address_id: str) -> RentalContractRecord | None:
        address_id = checked_address_id(address_id)
        data = self._get(f"rental-contracts/{address_id}")
        if data is None:
            return None
        try:
            record = make_rental_contract(
                data["address_id"],
                data["address"],
                data["contract_number"],
                data["tenant_iin"],
                list(data["listed_iins"]),
            )
            if record.address_id != address_id:
                raise ValueError(f"asked for address {address_id}, got {record.address_id}")
        except _UNUSABLE as error:
            raise self._unusable(error) from None
        return record


class HttpFamilyRegistry(_HttpRegistry):
    name = "family relations"

    def representatives_of(self, person_iin: str) -> list[RelationRecord]:
        person_iin = checked_iin(person_iin, "person_iin")
        data = self._get("representatives/lookup", {"person_iin": person_iin})
        if data is None:
            return []
        try:
            return [
                make_relation(item["representative_iin"], item["relation"], person_iin, item.get("basis"))
                for item in data["representatives"]
            ]
        except _UNUSABLE as error:
            raise self._unusable(error) from None


class HttpCapacityRegistry(_HttpRegistry):
    name = "legal capacity"

    def capacity_of(self, iin: str) -> CapacityRecord | None:
        iin = checked_iin(iin, "iin")
        data = self._get("capacity/lookup", {"iin": iin})
        if data is None:
            return None
        try:
            if data["iin"] != iin:
                raise ValueError("the answer is about another person")
            return make_capacity(
                data["iin"], data["status"], data.get("court_decision"), data.get("decided_on")
            )
        except _UNUSABLE as error:
            raise self._unusable(error) from None
