"""An external citizens registry over HTTP: ``GET {url}/citizens/{iin}``, ``PUT {url}/citizens/{iin}/phone``.

The registry answers JSON ``{"iin", "surname", "given_name", "patronymic", "birth_date": "YYYY-MM-DD",
"phone", "photo": base64 or null}``; 404 means the IIN is unknown.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt

import requests

from eds_toolkit.citizens.base import CitizensRegistryError, UnknownCitizen
from eds_toolkit.citizens.model import CitizenRecord
from eds_toolkit.citizens.phone import InvalidPhone, normalise_phone


class HttpCitizensRegistry:
    """The mobile-citizens base kept by another service, reached over HTTP."""

    def __init__(self, url: str, timeout: float = 5, *, token: str | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"the citizens registry URL must start with http:// or https://, not {url!r}")
        self.url = url.rstrip("/")
        self._timeout = timeout
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    def lookup(self, iin: str) -> CitizenRecord | None:
        _check_iin_shape(iin)
        response = self._request("GET", f"{self.url}/citizens/{iin}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise CitizensRegistryError(f"the citizens registry answered HTTP {response.status_code}")
        try:
            return _record_from_json(response.json(), iin)
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise CitizensRegistryError(f"the citizens registry sent an unusable record: {exc}") from None

    def register_phone(self, iin: str, phone: str) -> None:
        _check_iin_shape(iin)
        number = normalise_phone(phone)
        response = self._request("PUT", f"{self.url}/citizens/{iin}/phone", json={"phone": number})
        if response.status_code == 404:
            raise UnknownCitizen(f"no citizen with IIN {iin} is in the registry")
        if response.status_code >= 300:
            raise CitizensRegistryError(
                f"the citizens registry refused the phone registration (HTTP {response.status_code})"
            )

    def _request(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            return requests.request(
                method, url, headers=self._headers, timeout=self._timeout, allow_redirects=False, **kwargs
            )
        except requests.Timeout:
            raise CitizensRegistryError(
                f"the citizens registry did not answer within {self._timeout:g} s"
            ) from None
        except requests.ConnectionError:
            raise CitizensRegistryError("the citizens registry cannot be reached") from None


def _check_iin_shape(iin: str) -> None:
    # Never put anything but 12 digits into the URL path.
    if len(iin) != 12 or not iin.isascii() or not iin.isdigit():
        raise ValueError("An IIN is exactly 12 digits.")


def _record_from_json(data: dict, iin: str) -> CitizenRecord:
    if data["iin"] != iin:
        raise ValueError(f"asked for IIN {iin}, got {data['iin']}")
    phone = data.get("phone")
    try:
        phone = normalise_phone(phone) if phone else None
    except InvalidPhone:
        phone = None  # an unusable number counts as no number: the flow offers registration
    photo = data.get("photo")
    return CitizenRecord(
        iin=iin,
        surname=_required_text(data, "surname"),
        given_name=_required_text(data, "given_name"),
        patronymic=data.get("patronymic") or None,
        birth_date=dt.date.fromisoformat(data["birth_date"]),
        phone=phone,
        photo=base64.b64decode(photo, validate=True) if photo else None,
    )


def _required_text(data: dict, key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} is missing")
    return value.strip()
