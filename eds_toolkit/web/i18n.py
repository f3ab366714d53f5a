"""The request's language (chosen by Flask-Babel) and thin helpers over the gettext catalogues.

The locale comes from ``?lang=`` (remembered in the session), else the browser's Accept-Language. The
texts themselves are in ``eds_toolkit/translations`` (docs/translations.md): the English text is the
msgid; refusals are looked up by their code (the msgctxt, ``eds_toolkit.web.error_texts``).
"""

from __future__ import annotations

from flask import request, session
from flask_babel import get_locale

from eds_toolkit.translations import LANGUAGES, N_, SOURCE_LANGUAGE, base_language, gettext_in, pgettext_in
from eds_toolkit.web.error_texts import ERROR_TEXTS

__all__ = [
    "IDENTIFY_SCRIPT_TEXTS",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "current_language",
    "error_message",
    "error_message_in",
    "identify_script_texts",
    "select_locale",
    "translate",
    "translate_to",
]

LANGUAGE_NAMES = {"en": "English", "kk": "Қазақша", "ru": "Русский"}

# What identify.js shows, by the key the script uses: rendered into the page in its language.
IDENTIFY_SCRIPT_TEXTS: dict[str, str] = {
    "lookingAtPicture": N_("Looking at the picture…"),
    "checkingSelfie": N_("Checking the selfie…"),
    "checkingPhoto": N_("Checking the photo…"),
    "checkingVideo": N_("Checking the video…"),
    "comparingFaces": N_("Comparing the faces…"),
    "done": N_("Done."),
    "tryAgain": N_("Try again"),
    "cameraFailedSelfie": N_(
        "The camera could not be started. The selfie and the video check after it both need a camera: "
        "allow the camera in your browser and reload the page, or visit a service centre (ЦОН) with "
        "your identity card."
    ),
    "cameraFailedIdPhoto": N_(
        "The camera could not be started. Allow the camera in your browser, or send a photo instead."
    ),
    "cameraFailedVideo": N_(
        "The camera could not be started. Allow the camera in your browser and reload the page."
    ),
    "serverAnswered": N_("The server answered {status}. Please try again."),
    "connectionFailed": N_("The connection failed. Check your internet connection and try again."),
    "identificationFailed": N_("Identification failed"),
    "nowDo": N_("Now: {movement}"),
    "secondsLeft": N_("{seconds} s left"),
    "startsIn": N_("Starting in {seconds}…"),
    "timePerMovement": N_("Time per movement: {seconds} s"),
    "startingAgain": N_("Starting again with {seconds} s per movement."),
    "backToStart": N_("Back to the start"),
}


def identify_script_texts() -> dict[str, str]:
    """The identification page script's texts in the page's language (the script fills ``{status}``)."""
    return {key: translate(english) for key, english in IDENTIFY_SCRIPT_TEXTS.items()}


def select_locale() -> str:
    """Flask-Babel's locale selector: ``?lang=``, then the session, then Accept-Language."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or "en"


def current_language() -> str:
    locale = get_locale()
    return str(locale.language) if locale is not None else "en"


def translate(message: str, **params: object) -> str:
    """``message`` (English) in the page's language."""
    return translate_to(current_language(), message, **params)


def translate_to(language: str, message: str, **params: object) -> str:
    """``message`` (English) in ``language`` (en, kk, ru; English when there is no translation)."""
    return gettext_in(language, message, **params)


def error_message(code: str, fallback: str, **params: object) -> str:
    """A refusal's message in the page's language.

    English keeps the step's own (most specific) message; Kazakh and Russian use the catalogue,
    most specific entry first (``weak_pin.birth_date`` before ``weak_pin``).
    """
    return error_message_in(current_language(), code, fallback, **params)


def error_message_in(language: str, code: str, fallback: str, **params: object) -> str:
    """A refusal's message in ``language`` (see :func:`error_message`): ``fallback`` in English, for an
    unknown code, a text not translated yet, or a translation whose placeholder ``params`` do not fill."""
    rule = params.get("rule")
    context = f"{code}.{rule}" if rule and f"{code}.{rule}" in ERROR_TEXTS else code
    english = ERROR_TEXTS.get(context)
    if english is None or base_language(language) == SOURCE_LANGUAGE:
        return fallback
    text = pgettext_in(language, context, english)
    if text == english:  # not translated
        return fallback
    try:
        return text.format(detail=fallback, **params)
    except (KeyError, IndexError):
        return fallback
