"""Identification verdicts in the citizen's language.

``webcam_flow`` speaks English only (it stays a Flask-free library); here each of its stable reason codes
gets a Kazakh and a Russian sentence, for the pages and the JSON API alike. Reason codes themselves never
change: audit events keep them as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eds_toolkit.core.refusals import Refusal
from eds_toolkit.flow import identify_steps as steps
from eds_toolkit.web.i18n import LANGUAGES, current_language, error_message
from webcam_flow.verdict import CHALLENGE_PHRASES, SUCCESS, Verdict, reason_message

# Reason code -> (Kazakh, Russian). ``challenge_missing`` takes the movement from CHALLENGE_NOT_SEEN.
REASONS: dict[str, tuple[str, str]] = {
    "no_face": (
        "Бет көрінбеді. Жарық жерде камераға қарап, қайталап көріңіз.",
        "Мы не увидели лицо. Повернитесь к камере при хорошем освещении и попробуйте снова.",
    ),
    "several_faces": (
        "Суретте бірнеше бет бар. Камера алдында тек өзіңіз ғана болыңыз.",
        "В кадре больше одного лица. Убедитесь, что перед камерой только вы.",
    ),
    "face_off_centre": (
        "Бетіңіз шеңбердің ішінде емес. Бетіңіз шеңбердің ортасында болатындай жылжыңыз.",
        "Лицо не в круге. Сдвиньтесь так, чтобы лицо было в середине круга.",
    ),
    "too_small": (
        "Суреттегі бетіңіз тым кішкентай. Камераға жақынырақ келіңіз.",
        "Лицо в кадре слишком маленькое. Подвиньтесь ближе к камере.",
    ),
    "blurred": (
        "Сурет бұлыңғыр. Қозғалмаңыз, камера линзасын сүртіп, қайталап көріңіз.",
        "Снимок размыт. Не двигайтесь, протрите объектив камеры и попробуйте снова.",
    ),
    "too_dark": (
        "Сурет тым қараңғы. Жарықты қосыңыз немесе терезеге қарап тұрыңыз.",
        "Снимок слишком тёмный. Включите свет или повернитесь лицом к окну.",
    ),
    "too_bright": (
        "Сурет тым жарық. Тура түскен жарықтан алыстаңыз немесе терезеден теріс бұрылыңыз.",
        "Снимок слишком светлый. Отойдите от прямого света или отвернитесь от окна.",
    ),
    "not_frontal": (
        "Басыңызды бұрмай, камераға тура қараңыз.",
        "Смотрите прямо в камеру, не поворачивая голову.",
    ),
    "eyes_closed": (
        "Көзіңізді ашық ұстап, камераға қараңыз.",
        "Не закрывайте глаза и смотрите в камеру.",
    ),
    "too_few_frames": (
        "Бейне тым қысқа. Қайта жазып, экрандағы әр нұсқауды орындаңыз.",
        "Видео слишком короткое. Запишите его заново и выполните каждое указание на экране.",
    ),
    "face_lost": (
        "Бейне кезінде бетіңіз кадрдан шығып кетті. Бетіңізді үнемі шеңбер ішінде ұстаңыз.",
        "Во время видео лицо выходило из кадра. Всё время держите лицо в круге.",
    ),
    "challenge_missing": (
        "Біз {detail} көрмедік. Бейнені қайта жазып, экрандағы әр нұсқауды орындаңыз.",
        "Мы не увидели, что вы {detail}. Запишите видео заново и выполните каждое указание на экране.",
    ),
    "wrong_order": (
        "Қимылдар көрсетілген ретпен орындалмады. Бейнені қайта жазып, нұсқауларды бірінен соң бірін "
        "орындаңыз.",
        "Движения выполнены не в том порядке. Запишите видео заново и выполняйте указания одно за другим.",
    ),
    "video_too_long": (
        "Бейне көрсетілген нұсқаулардан ұзағырақ. Оны осы бетте, нұсқаулар пайда болған сайын орындап, "
        "қайта жазыңыз.",
        "Видео длиннее, чем показанные указания. Запишите его заново на этой странице, выполняя указания "
        "по мере их появления.",
    ),
    "static_frames": (
        "Бейнеде қозғалыс жоқ. Камера алдында тірі адам болуы керек.",
        "На видео нет движения. Перед камерой должен быть живой человек.",
    ),
    "rigid_plane_motion": (
        "Бейне камера алдында ұсталған фотоға немесе экранға ұқсайды. Камера алдында тірі адам болуы керек.",
        "Видео похоже на фото или экран, поднесённый к камере. Перед камерой должен быть живой человек.",
    ),
    "face_changed": (
        "Бейнедегі бет ауысып кетті. Бейне кезінде камера алдында тек өзіңіз болуыңыз керек.",
        "Лицо на видео сменилось. Во время видео перед камерой должны быть только вы.",
    ),
    "scene_cut": (
        "Бейне үзілді немесе өңделді. Оны тоқтатпай, басынан аяғына дейін қайта жазыңыз.",
        "Видео прерывалось или было смонтировано. Запишите его заново без остановок.",
    ),
    "nonce_expired": (
        "Бұл бейнеге берілген уақыт бітті. Бейне қадамын қайта бастаңыз.",
        "Время на это видео истекло. Начните шаг с видео заново.",
    ),
    "nonce_reused": (
        "Бұл бейне бұрын бір рет жіберілген. Бейне қадамын қайта бастаңыз.",
        "Это видео уже было отправлено. Начните шаг с видео заново.",
    ),
    "nonce_mismatch": (
        "Бұл бейне ағымдағы сеансқа жатпайды. Бейне қадамын қайта бастаңыз.",
        "Это видео не относится к текущему сеансу. Начните шаг с видео заново.",
    ),
    "nonce_superseded": (
        "Осыдан кейін жаңа бейне тексеруі басталды, сондықтан бұл бейне есепке алынбайды. Ең соңғы бейне "
        "тексеруін жазыңыз.",
        "После этой видеопроверки была начата новая, поэтому это видео больше не засчитывается. Запишите "
        "последнюю видеопроверку.",
    ),
    "iin_failed_recently": (
        "Осы ЖСН бойынша қашықтан сәйкестендіру жақында бірнеше рет сәтсіз аяқталды, сондықтан қазір "
        "қолжетімсіз.",
        "Удалённая идентификация по этому ИИН недавно несколько раз не удалась, поэтому сейчас она "
        "недоступна.",
    ),
    "no_frontal_face": (
        "Бейнеде бетіңіз камераға тура қараған сәт болмады. Қайта жазып, қимылдардың арасында камераға "
        "қараңыз.",
        "На видео ни разу не было видно, как вы смотрите прямо в камеру. Запишите заново и смотрите в "
        "камеру между движениями.",
    ),
    "no_video_face": (
        "Куәлікпен салыстыратын бейнедегі бетіңіздің суреті жоқ. Қайта бастаңыз немесе қызмет көрсету "
        "орталығына барыңыз.",
        "Нет снимка вашего лица из видео для сравнения с удостоверением. Начните заново или обратитесь в "
        "центр обслуживания.",
    ),
    "no_match": (
        "Бет жеке куәліктегі фотоға сәйкес келмейді. Егер бұл қате болса, қызмет көрсету орталығына барыңыз.",
        "Лицо не совпадает с фотографией в удостоверении личности. Если это ошибка, обратитесь в центр "
        "обслуживания.",
    ),
    "no_match_record": (
        "Бет осы ЖСН бойынша мемлекетте сақталған фотоға сәйкес келмейді. Егер бұл қате болса, ХҚКО-ға "
        "жүгініңіз.",
        "Лицо не совпадает с фотографией, которая хранится у государства для этого ИИН. Если это ошибка, "
        "обратитесь в ЦОН.",
    ),
    "no_face_on_reference": (
        "Жеке куәліктің фотосынан бет табылмады. Ондағы сурет анық көрінетін куәліктің айқын фотосын "
        "жүктеңіз.",
        "На фото удостоверения не найдено лицо. Загрузите чёткое фото удостоверения, на котором хорошо "
        "видна фотография.",
    ),
    "no_probes": (
        "Салыстыруға бетіңіздің суреті жоқ. Алдымен селфи мен бейнені түсіріңіз.",
        "Нет снимка вашего лица для сравнения. Сначала сделайте селфи и видео.",
    ),
    "bad_image": (
        "Файлды фото ретінде оқу мүмкін болмады. JPEG, PNG немесе WebP суретін жіберіңіз.",
        "Файл не удалось прочитать как фото. Отправьте снимок в формате JPEG, PNG или WebP.",
    ),
    "bad_input": (
        "Сұранысты өңдеу мүмкін болмады. Бұл қадамды қайта бастаңыз.",
        "Запрос не удалось обработать. Начните этот шаг заново.",
    ),
}

# An unknown reason code still gets an actionable sentence (webcam_flow does the same in English).
UNKNOWN_REASON = (
    "Тексеруден өту мүмкін болмады. Қайталап көріңіз немесе қызмет көрсету орталығына барыңыз.",
    "Проверка не пройдена. Попробуйте снова или обратитесь в центр обслуживания.",
)

# ``challenge_missing:<movement>``: what we did not see, fitted into the REASONS sentence.
CHALLENGE_NOT_SEEN: dict[str, tuple[str, str]] = {
    "blink": ("көзіңізді жұмып-ашқаныңызды", "моргнули"),
    "turn_left": ("басыңызды солға бұрғаныңызды", "повернули голову влево"),
    "turn_right": ("басыңызды оңға бұрғаныңызды", "повернули голову вправо"),
    "open_mouth": ("аузыңызды ашқаныңызды", "открыли рот"),
}
# ... and for a movement this module does not know yet: the sentence without it.
CHALLENGE_NOT_SEEN_ANY = (
    "Біз барлық қимылды көрмедік. Бейнені қайта жазып, экрандағы әр нұсқауды орындаңыз.",
    "Мы увидели не все движения. Запишите видео заново и выполните каждое указание на экране.",
)

# The instruction shown under the camera during the video.
CHALLENGE_INSTRUCTIONS: dict[str, tuple[str, str]] = {
    "blink": ("Көзіңізді жұмып-ашыңыз", "Моргните"),
    "turn_left": ("Басыңызды солға бұрыңыз", "Поверните голову влево"),
    "turn_right": ("Басыңызды оңға бұрыңыз", "Поверните голову вправо"),
    "open_mouth": ("Аузыңызды ашыңыз", "Откройте рот"),
}

PASSED: dict[str, tuple[str, str]] = {
    "selfie": ("Селфиіңіз жақсы шықты.", "Селфи получилось удачным."),
    "liveness": ("Бейне тексеру сәтті өтті.", "Видеопроверка пройдена."),
    "face_match": (
        "Бетіңіз жеке куәліктегі фотоға сәйкес келеді.",
        "Ваше лицо совпадает с фото в удостоверении.",
    ),
    "image": ("Сурет оқылды.", "Изображение прочитано."),
}

TRIES_LEFT = ("({left} әрекет қалды.)", "(Осталось попыток: {left}.)")

SERVICE_CENTRE = (
    "Қашықтан сәйкестендіру сәтсіз аяқталды, бұл өтінім тоқтатылды. Жеке басыңызды растау үшін жеке "
    "куәлігіңізбен қызмет көрсету орталығына барыңыз.",
    "Удалённая идентификация не удалась, и эта заявка остановлена. Обратитесь в центр обслуживания "
    "с удостоверением личности, чтобы пройти идентификацию лично.",
)


def _language(language: str | None) -> str:
    chosen = language or current_language()
    return chosen if chosen in LANGUAGES else "en"


def _pick(texts: tuple[str, str], language: str) -> str:
    return texts[LANGUAGES.index(language) - 1]


def reason_sentence(reason: str, language: str | None = None) -> str:
    """The sentence for one reason code (``challenge_missing:blink`` included) in ``language``
    (default: the page's)."""
    language = _language(language)
    if language == "en":
        return reason_message(reason)
    code, _, detail = reason.partition(":")
    if code not in REASONS:
        return _pick(UNKNOWN_REASON, language)
    if code == "challenge_missing":
        if detail not in CHALLENGE_NOT_SEEN:
            return _pick(CHALLENGE_NOT_SEEN_ANY, language)
        return _pick(REASONS[code], language).format(detail=_pick(CHALLENGE_NOT_SEEN[detail], language))
    return _pick(REASONS[code], language)


def verdict_sentences(check: str, reasons: Iterable[str], language: str | None = None) -> list[str]:
    """One sentence per reason, or the check's success sentence when there are none."""
    language = _language(language)
    reasons = list(reasons)
    if reasons:
        return [reason_sentence(reason, language) for reason in reasons]
    if language == "en":
        return [SUCCESS[check]]
    return [_pick(PASSED[check], language)]


def verdict_text(verdict: Verdict, language: str | None = None) -> str:
    """What the citizen reads for a verdict, in ``language`` (default: the page's)."""
    return " ".join(verdict_sentences(verdict.check, verdict.reasons, language))


def challenge_instruction(code: str, language: str | None = None) -> str:
    """The instruction for one liveness movement ("Blink", "Моргните", ...)."""
    language = _language(language)
    if language != "en" and code in CHALLENGE_INSTRUCTIONS:
        return _pick(CHALLENGE_INSTRUCTIONS[code], language)
    return CHALLENGE_PHRASES.get(code, code.replace("_", " ")).capitalize()


def service_centre(language: str | None = None) -> str:
    """The sentence sending the citizen to a service centre after the last attempt."""
    language = _language(language)
    return steps.SERVICE_CENTRE if language == "en" else _pick(SERVICE_CENTRE, language)


def refusal_text(error: Refusal, language: str | None = None) -> str:
    """A refusal of an identification step in ``language``: the verdict's sentences with the attempts
    left (or the service centre after the last one); other refusals through the i18n catalogue."""
    language = _language(language)
    if language == "en":
        return error.message
    reasons = error.extra.get("reasons")
    if error.code in ("identification_refused", "identification_failed") and isinstance(
        reasons, list | tuple
    ):
        sentences = [reason_sentence(str(reason), language) for reason in reasons]
        if error.code == "identification_failed":
            sentences.append(_pick(SERVICE_CENTRE, language))
        else:
            sentences.append(_pick(TRIES_LEFT, language).format(left=error.extra.get("attempts_left")))
        return " ".join(sentences)
    return error_message(error.code, error.message, **error.extra)


def outcome_json(outcome: steps.StepOutcome) -> dict[str, Any]:
    """A positive step outcome as JSON, its ``message`` in the page's language."""
    return {**outcome.as_json(), "message": verdict_text(outcome.verdict)}


def hint_json(verdict: Verdict) -> dict[str, Any]:
    """A selfie quality hint as JSON, its ``message`` in the page's language."""
    return {"ok": verdict.ok, "reasons": list(verdict.reasons), "message": verdict_text(verdict)}


def task_json(issued: steps.IssuedTask) -> dict[str, Any]:
    """A liveness task as JSON, each movement's ``text`` in the page's language."""
    body = issued.as_json()
    body["challenges"] = [
        {**challenge, "text": challenge_instruction(challenge["code"])} for challenge in body["challenges"]
    ]
    return body
