"""The SMS texts of the registration service: each says what the code confirms, the code first.

Codes go only into the SMS, never into logs or audit events.
"""

from __future__ import annotations

_APPLICANT = {
    "en": "Code {code} signs your residence registration application {ref}. Valid 5 minutes. "
    "Never tell it to anyone.",
    "ru": "Код {code} — подпись вашего заявления о регистрации по месту жительства {ref}. "
    "Действует 5 минут. Никому не сообщайте код.",
    "kk": "{code} коды — тұрғылықты жері бойынша тіркеу туралы {ref} өтінішіңізге қол қою. "
    "5 минут жарамды. Кодты ешкімге айтпаңыз.",
}
_OWNER = {
    "en": "Code {code}: as the owner you agree to register {who} at {address} (application {ref}). "
    "Valid 5 minutes. Never tell it to anyone.",
    "ru": "Код {code} — согласие собственника на регистрацию {who} по адресу {address} (заявление {ref}). "
    "Действует 5 минут. Никому не сообщайте код.",
    "kk": "{code} коды — {address} мекенжайына {who} тіркеуге меншік иесінің келісімі (өтініш {ref}). "
    "5 минут жарамды. Кодты ешкімге айтпаңыз.",
}


def _language(language: str) -> str:
    base = (language or "en").split("-")[0].split("_")[0].lower()
    return base if base in _APPLICANT else "en"


def reference(application_id: str) -> str:
    """The short application reference people read in an SMS."""
    return application_id[:8].upper()


def applicant_code_text(code: str, application_id: str, *, language: str = "en") -> str:
    return _APPLICANT[_language(language)].format(code=code, ref=reference(application_id))


def owner_code_text(code: str, application_id: str, *, who: str, address: str, language: str = "en") -> str:
    return _OWNER[_language(language)].format(
        code=code, ref=reference(application_id), who=who, address=address
    )
