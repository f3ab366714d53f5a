"""The agent's own words in its windows and its terminal, in Kazakh, Russian and English.

The agent is a library apart from the portal, so it keeps this small table instead of the portal's
gettext catalogues. Terms follow the eGov guide and NCALayer: ЭЦҚ / ЭЦП for EDS, кілттер қоймасы /
хранилище ключей for keystore, құпиясөз / пароль for password, ЖСН / ИИН for IIN; one word per meaning.
"""

from __future__ import annotations

from eds_agent.language import Language
from keystore.password_policy import MAX_LENGTH, MIN_DISTINCT_CHARACTERS, MIN_LENGTH, PasswordRule

MESSAGES: dict[str, dict[Language, str]] = {
    "window_title": {
        "kk": "eds agent: ЭЦҚ",
        "ru": "eds agent: ЭЦП",
        "en": "eds agent: EDS",
    },
    "request_from": {
        "kk": "Сұрау жіберген сайт:",
        "ru": "Запрос от сайта:",
        "en": "Request from the site:",
    },
    "local_program": {
        "kk": "осы компьютердегі бағдарлама",
        "ru": "программа на этом компьютере",
        "en": "a program on this computer",
    },
    "cancel": {"kk": "Бас тарту", "ru": "Отмена", "en": "Cancel"},
    "closes_in": {
        "kk": "Жауап бермесеңіз, терезе {seconds} секундтан кейін жабылады және сұрау қабылданбайды.",
        "ru": "Если вы не ответите, через {seconds} с окно закроется и запрос будет отклонён.",
        "en": "Without an answer this window closes in {seconds} s and the request is declined.",
    },
    # allowing a site
    "portal_heading": {
        "kk": "Бұл сайтқа eds agent-ті пайдалануға рұқсат бересіз бе?",
        "ru": "Разрешить этому сайту пользоваться eds agent?",
        "en": "Allow this site to use eds agent?",
    },
    "portal_text": {
        "kk": "Рұқсат берілген сайт сертификаттарыңызды көре алады және құжатқа қол қоюды сұрай алады: әр "
        "қол қою алдында агент сізден бәрібір сұрайды. Мекенжайы жоғарыда. Тек өзіңіз ашқан сайтқа "
        "рұқсат беріңіз. Агент рұқсат берілген сайттарды есте сақтайды.",
        "ru": "Разрешённый сайт сможет видеть ваши сертификаты и просить подписать документ: перед каждой "
        "подписью агент всё равно спросит вас. Адрес сайта указан выше. Разрешайте только сайт, который "
        "вы открыли сами. Агент запомнит разрешённые сайты.",
        "en": "An allowed site can see your certificates and ask you to sign documents: the agent still asks "
        "you before every signature. The site's address is above. Allow only a site you opened yourself. "
        "The agent remembers the sites you allow.",
    },
    "refuse": {"kk": "Рұқсат бермеу", "ru": "Не разрешать", "en": "Refuse"},
    # choosing the folder
    "store_heading": {
        "kk": "ЭЦҚ кілттерін қайда сақтау керек",
        "ru": "Где хранить ключи ЭЦП",
        "en": "Where to keep your EDS keys",
    },
    "store_text": {
        "kk": "Сайт ЭЦҚ кілттеріңізді осы қалтада сақтауды сұрайды. Бұл қалтаға сізден басқа ешкім "
        "кірмеуі керек.",
        "ru": "Сайт просит хранить ваши ключи ЭЦП в этой папке. Доступ к ней должен быть только у вас.",
        "en": "The site asks to keep your EDS keys in this folder. Nobody but you should have access to it.",
    },
    "folder": {"kk": "Қалта:", "ru": "Папка:", "en": "Folder:"},
    "choose_other_folder": {
        "kk": "Басқа қалтаны таңдау…",
        "ru": "Выбрать другую папку…",
        "en": "Choose another folder…",
    },
    "folder_dialog_title": {
        "kk": "ЭЦҚ кілттеріне арналған қалта",
        "ru": "Папка для ключей ЭЦП",
        "en": "Folder for your EDS keys",
    },
    "allow": {"kk": "Рұқсат беру", "ru": "Разрешить", "en": "Allow"},
    # making the keys
    "make_heading": {
        "kk": "ЭЦҚ кілттерін жасау",
        "ru": "Создание ключей ЭЦП",
        "en": "Making your EDS keys",
    },
    "make_text": {
        "kk": "Сайт ЖСН {iin} үшін екі кілт жасауды сұрайды: AUTH — сайттарға кіру үшін, SIGN — құжаттарға "
        "қол қою үшін. Кілттер осы компьютерде, {folder} қалтасында жасалады және одан шықпайды.",
        "ru": "Сайт просит создать два ключа для ИИН {iin}: AUTH — для входа на сайты, SIGN — для "
        "подписания документов. Ключи создаются на этом компьютере, в папке {folder}, и не покидают его.",
        "en": "The site asks to make two keys for the IIN {iin}: AUTH for signing in to sites, SIGN for "
        "signing documents. The keys are made on this computer, in the folder {folder}, and never leave it.",
    },
    "make_keys": {"kk": "Кілттерді жасау", "ru": "Создать ключи", "en": "Make the keys"},
    # the new password
    "new_password_heading": {
        "kk": "Кілттер қоймасының құпиясөзі",
        "ru": "Пароль хранилища ключей",
        "en": "Password of your keystores",
    },
    "new_password_text": {
        "kk": "Сертификаттарыңыз дайын. Құпиясөз ойлап табыңыз: ол {folder} қалтасындағы екі кілттер "
        "қоймасын қорғайды. Құпиясөзді қалпына келтіру мүмкін емес, оны есте сақтаңыз.",
        "ru": "Ваши сертификаты готовы. Придумайте пароль: он защитит оба хранилища ключей в папке "
        "{folder}. Восстановить пароль нельзя, запомните его.",
        "en": "Your certificates are ready. Invent a password: it protects both keystores in {folder}. "
        "Nobody can recover it, so remember it.",
    },
    "rules_heading": {
        "kk": "Құпиясөзге қойылатын талаптар:",
        "ru": "Требования к паролю:",
        "en": "Password rules:",
    },
    "password": {"kk": "Құпиясөз:", "ru": "Пароль:", "en": "Password:"},
    "repeat_password": {
        "kk": "Құпиясөзді қайталаңыз:",
        "ru": "Повторите пароль:",
        "en": "Repeat the password:",
    },
    "passwords_match": {
        "kk": "Құпиясөздер сәйкес келеді",
        "ru": "Пароли совпадают",
        "en": "The two passwords match",
    },
    "passwords_differ": {
        "kk": "Құпиясөздер сәйкес келмейді",
        "ru": "Пароли не совпадают",
        "en": "The two passwords differ",
    },
    "save": {"kk": "Сақтау", "ru": "Сохранить", "en": "Save"},
    # saving the keystores
    "save_heading": {
        "kk": "Кілттер қоймаларын сақтау",
        "ru": "Сохранение хранилищ ключей",
        "en": "Saving your keystores",
    },
    "save_text": {
        "kk": "AUTH және SIGN кілттер қоймалары {folder} қалтасына сақталсын ба?",
        "ru": "Сохранить хранилища ключей AUTH и SIGN в папку {folder}?",
        "en": "Save your AUTH and SIGN keystores into {folder}?",
    },
    # opening the keystores
    "password_heading": {
        "kk": "Кілттер қоймасының құпиясөзі",
        "ru": "Пароль хранилища ключей",
        "en": "Password of your keystores",
    },
    "password_text": {
        "kk": "{folder} қалтасындағы кілттер қоймаларының құпиясөзін енгізіңіз: кілттерді сақтаған кезде "
        "ойлап тапқан құпиясөз. Бас және кіші әріптер ажыратылады.",
        "ru": "Введите пароль хранилищ ключей в папке {folder}: тот, который вы придумали при сохранении "
        "ключей. Заглавные и строчные буквы различаются.",
        "en": "Type the password of your keystores in {folder}: the one you invented when your keys were "
        "saved. Capital and small letters differ.",
    },
    "continue": {"kk": "Жалғастыру", "ru": "Продолжить", "en": "Continue"},
    # what the site asks for
    "sign_documents": {
        "kk": "Сайт {count} құжатқа ЭЦҚ-мен қол қоюды сұрайды.",
        "ru": "Сайт просит подписать ЭЦП {count} {documents}.",
        "en": "The site asks you to sign {count} {documents} with your EDS.",
    },
    "sign_with_key_type": {
        "kk": "Сайт {count} құжатқа {key_type} кілтімен қол қоюды сұрайды.",
        "ru": "Сайт просит подписать {count} {documents} ключом {key_type}.",
        "en": "The site asks you to sign {count} {documents} with your {key_type} key.",
    },
    "document_text": {
        "kk": "Құжат мәтіні:",
        "ru": "Текст документа:",
        "en": "The document's text:",
    },
    "show_certificate": {
        "kk": "Сайт сертификаттарыңыздың бірін көрсетуді сұрайды (қол қоюсыз).",
        "ru": "Сайт просит показать один из ваших сертификатов (без подписания).",
        "en": "The site asks to see one of your certificates (nothing is signed).",
    },
    # choosing the key
    "choose_heading": {
        "kk": "Кілтті таңдаңыз",
        "ru": "Выберите ключ",
        "en": "Choose the key",
    },
    "column_purpose": {"kk": "Мақсаты", "ru": "Назначение", "en": "Purpose"},
    "column_owner": {"kk": "Иесі", "ru": "Владелец", "en": "Owner"},
    "column_iin": {"kk": "ЖСН", "ru": "ИИН", "en": "IIN"},
    "column_valid": {"kk": "Жарамдылық мерзімі", "ru": "Срок действия", "en": "Valid"},
    "purpose_auth": {"kk": "AUTH (кіру)", "ru": "AUTH (вход)", "en": "AUTH (signing in)"},
    "purpose_sign": {"kk": "SIGN (қол қою)", "ru": "SIGN (подпись)", "en": "SIGN (signing)"},
    "sign": {"kk": "Қол қою", "ru": "Подписать", "en": "Sign"},
    "choose": {"kk": "Таңдау", "ru": "Выбрать", "en": "Choose"},
    # the terminal (--terminal) shows the texts above, and asks with these
    "yes_no_hint": {
        "kk": "(иә/жоқ; Enter — жоқ)",
        "ru": "(да/нет; Enter — нет)",
        "en": "[y/N]",
    },
    "allow_question": {"kk": "Рұқсат бересіз бе?", "ru": "Разрешить?", "en": "Allow?"},
    "continue_question": {"kk": "Жалғастырасыз ба?", "ru": "Продолжить?", "en": "Continue?"},
    "key_number": {
        "kk": "Кілттің нөмірі (бос қалдырсаңыз — бас тарту):",
        "ru": "Номер ключа (пусто — отмена):",
        "en": "Number (empty to cancel):",
    },
    "nothing_saved": {"kk": "ештеңе сақталған жоқ", "ru": "ничего не сохранено", "en": "nothing was saved"},
    "no_answer": {
        "kk": "{seconds} секунд ішінде жауап болмады: сұрау қабылданбады.",
        "ru": "Нет ответа за {seconds} с: запрос отклонён.",
        "en": "No answer in {seconds} s: cancelled.",
    },
    "withdrawn": {
        "kk": "Сұрақ қойған бет жабылды: сұрақ жойылды.",
        "ru": "Страница, которая спрашивала, закрыта: вопрос снят.",
        "en": "The page that asked is gone: the question is withdrawn.",
    },
}

RULES: dict[PasswordRule, dict[Language, str]] = {
    PasswordRule.LENGTH: {
        "kk": f"кемінде {MIN_LENGTH} таңба ({MAX_LENGTH} таңбадан аспайды)",
        "ru": f"не менее {MIN_LENGTH} символов (не более {MAX_LENGTH})",
        "en": f"at least {MIN_LENGTH} characters (at most {MAX_LENGTH})",
    },
    PasswordRule.CHARACTERS: {
        "kk": "тек латын әріптері, сандар, бос орын және пернетақтадағы белгілер (ағылшынша пернетақта)",
        "ru": "только латинские буквы, цифры, пробелы и знаки с клавиатуры (английская раскладка)",
        "en": "only Latin letters, digits, spaces and keyboard symbols (English keyboard layout)",
    },
    PasswordRule.NO_EDGE_SPACES: {
        "kk": "басында және соңында бос орын жоқ",
        "ru": "без пробела в начале и в конце",
        "en": "no space at the beginning or the end",
    },
    PasswordRule.LETTER_AND_DIGIT: {
        "kk": "кемінде бір латын әрпі және бір сан",
        "ru": "хотя бы одна латинская буква и одна цифра",
        "en": "at least one Latin letter and one digit",
    },
    PasswordRule.NO_IIN: {
        "kk": "ЖСН-іңізді қамтымайды",
        "ru": "без вашего ИИН",
        "en": "not containing your IIN",
    },
    PasswordRule.DISTINCT: {
        "kk": f"кемінде {MIN_DISTINCT_CHARACTERS} түрлі таңба",
        "ru": f"не менее {MIN_DISTINCT_CHARACTERS} разных символов",
        "en": f"at least {MIN_DISTINCT_CHARACTERS} different characters",
    },
    PasswordRule.NOT_GUESSABLE: {
        "kk": "кең тараған сөз емес және qwerty, 1234 сияқты пернетақта қатары емес",
        "ru": "не распространённое слово и не ряд клавиш вроде qwerty или 1234",
        "en": "not a common word or a keyboard sequence like qwerty or 1234",
    },
}


def say(key: str, language: Language, **values: object) -> str:
    """The message ``key`` in ``language`` with ``values`` filled in."""
    return MESSAGES[key][language].format(**values)


def rule_text(rule: PasswordRule, language: Language) -> str:
    return RULES[rule][language]


def documents_word(count: int, language: Language) -> str:
    """ "document(s)" agreeing with ``count`` (Russian has three forms; Kazakh needs none)."""
    if language == "ru":
        if count % 10 == 1 and count % 100 != 11:
            return "документ"
        if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
            return "документа"
        return "документов"
    if language == "en":
        return "document" if count == 1 else "documents"
    return ""
