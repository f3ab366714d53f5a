"""Messages in English, Kazakh and Russian: an in-code catalogue, the locale chosen by Flask-Babel.

The locale comes from ``?lang=`` (remembered in the session), else the browser's Accept-Language.
"""

from __future__ import annotations

from flask import request, session
from flask_babel import get_locale

LANGUAGES = ("en", "kk", "ru")
LANGUAGE_NAMES = {"en": "English", "kk": "Қазақша", "ru": "Русский"}

# English text -> Kazakh, Russian.
MESSAGES: dict[str, tuple[str, str]] = {
    "Get an EDS remotely": ("ЭЦҚ-ны қашықтан алу", "Получить ЭЦП удалённо"),
    "Enter your IIN": ("ЖСН-іңізді енгізіңіз", "Введите ваш ИИН"),
    "IIN (12 digits)": ("ЖСН (12 сан)", "ИИН (12 цифр)"),
    "Continue": ("Жалғастыру", "Продолжить"),
    "SMS code": ("SMS-код", "SMS-код"),
    "Enter the code from the SMS sent by 1414": (
        "1414 нөмірінен келген SMS-кодты енгізіңіз",
        "Введите код из SMS от 1414",
    ),
    "If this IIN has a phone number in the mobile-citizens base, we sent a code from 1414 to it.": (
        "Егер бұл ЖСН мобильді азаматтар базасында телефонмен тіркелген болса, 1414 нөмірінен код жіберілді.",
        "Если к этому ИИН в базе мобильных граждан привязан номер, мы отправили на него код от 1414.",
    ),
    "Send a new code": ("Жаңа код жіберу", "Отправить новый код"),
    "A new code was sent.": ("Жаңа код жіберілді.", "Новый код отправлен."),
    "No code came? Register or change your phone number": (
        "Код келмеді ме? Телефон нөмірін тіркеңіз немесе өзгертіңіз",
        "Код не пришёл? Зарегистрируйте или смените номер телефона",
    ),
    "Phone number": ("Телефон нөмірі", "Номер телефона"),
    "Register your phone number": ("Телефон нөміріңізді тіркеңіз", "Зарегистрируйте номер телефона"),
    "Send the code": ("Кодты жіберу", "Отправить код"),
    "Enter the code sent to your new number": (
        "Жаңа нөміріңізге жіберілген кодты енгізіңіз",
        "Введите код, отправленный на новый номер",
    ),
    "Identification": ("Сәйкестендіру", "Идентификация"),
    "Take a selfie and a short video so we can check it is you.": (
        "Бұл сіз екеніңізді тексеру үшін селфи мен қысқа бейне түсіріңіз.",
        "Сделайте селфи и короткое видео, чтобы мы убедились, что это вы.",
    ),
    "When the identification is complete, continue to the PIN.": (
        "Сәйкестендіру аяқталғанда, PIN-кодқа өтіңіз.",
        "Когда идентификация завершена, перейдите к PIN-коду.",
    ),
    "Set a PIN for your Digital ID": ("Digital ID үшін PIN-код орнатыңыз", "Задайте PIN-код для Digital ID"),
    "PIN (6 digits)": ("PIN-код (6 сан)", "PIN-код (6 цифр)"),
    "PIN again": ("PIN-кодты қайталаңыз", "Повторите PIN-код"),
    "Save the PIN": ("PIN-кодты сақтау", "Сохранить PIN-код"),
    "Get your certificates": ("Сертификаттарыңызды алыңыз", "Получите сертификаты"),
    "I made my keys with eds keystore new: upload the two requests": (
        "Кілттерді eds keystore new арқылы жасадым: екі сұранысты жүктеу",
        "Я создал ключи командой eds keystore new: загрузить два запроса",
    ),
    "AUTH request (CSR)": ("AUTH сұранысы (CSR)", "Запрос AUTH (CSR)"),
    "SIGN request (CSR)": ("SIGN сұранысы (CSR)", "Запрос SIGN (CSR)"),
    "Issue my certificates": ("Сертификаттарды шығару", "Выпустить сертификаты"),
    "Make the keys for me: two password-protected files, downloaded once": (
        "Кілттерді мен үшін жасаңыз: құпия сөзбен қорғалған екі файл, бір рет жүктеледі",
        "Создайте ключи за меня: два файла с паролем, скачиваются один раз",
    ),
    "Keystore password": ("Кілттер қоймасының құпия сөзі", "Пароль хранилища ключей"),
    "Password again": ("Құпия сөзді қайталаңыз", "Повторите пароль"),
    "Download my keystores": ("Кілттер қоймаларын жүктеу", "Скачать хранилища ключей"),
    "Your certificates are issued": ("Сертификаттарыңыз шығарылды", "Ваши сертификаты выпущены"),
    "Certificate chain": ("Сертификаттар тізбегі", "Цепочка сертификатов"),
    "Download the files": ("Файлдарды жүктеу", "Скачать файлы"),
    "You can download them again later in your personal cabinet.": (
        "Оларды кейін жеке кабинеттен қайта жүктей аласыз.",
        "Позже их можно снова скачать в личном кабинете.",
    ),
    "Keep your two keystore files and their password safe: anyone who has both can sign in your name.": (
        "Екі кілттер қоймасы файлын және олардың құпия сөзін сақтаңыз: екеуіне де ие адам сіздің атыңыздан "
        "қол қоя алады.",
        "Храните два файла хранилищ ключей и их пароль в надёжном месте: тот, у кого есть и то и другое, "
        "может подписывать от вашего имени.",
    ),
    "Personal cabinet": ("Жеке кабинет", "Личный кабинет"),
    "Sign in": ("Кіру", "Войти"),
    "Sign out": ("Шығу", "Выйти"),
    "PIN": ("PIN-код", "PIN-код"),
    "Your certificates": ("Сіздің сертификаттарыңыз", "Ваши сертификаты"),
    "History": ("Тарих", "История"),
    "Serial number": ("Сериялық нөмір", "Серийный номер"),
    "Valid from": ("Басталуы", "Действует с"),
    "Valid until": ("Аяқталуы", "Действует до"),
    "Status": ("Күйі", "Статус"),
    "Valid": ("Жарамды", "Действует"),
    "Expired": ("Мерзімі өткен", "Истёк"),
    "Revoked": ("Кері қайтарылған", "Отозван"),
    "Type": ("Түрі", "Тип"),
    "When": ("Қашан", "Когда"),
    "What": ("Не", "Что"),
    "Result": ("Нәтиже", "Результат"),
    "Start again": ("Қайта бастау", "Начать заново"),
    "Language": ("Тіл", "Язык"),
    "This is a test service: certificates are issued by a TEST CA.": (
        "Бұл сынақ қызметі: сертификаттарды СЫНАҚ КО шығарады.",
        "Это тестовый сервис: сертификаты выпускает ТЕСТОВЫЙ УЦ.",
    ),
    "Certificates are issued by {name}.": (
        "Сертификаттарды {name} шығарады.",
        "Сертификаты выпускает {name}.",
    ),
    "Certificates are issued by the certification authority.": (
        "Сертификаттарды куәландырушы орталық шығарады.",
        "Сертификаты выпускает удостоверяющий центр.",
    ),
    "Request refused": ("Сұраныс қабылданбады", "Запрос отклонён"),
    "Your new phone number is not in effect yet": (
        "Жаңа телефон нөміріңіз әлі күшіне енген жоқ",
        "Ваш новый номер телефона ещё не вступил в силу",
    ),
    "For your protection, a new phone number takes effect only after a waiting time, and we told your "
    "previous number about the change. Your certificates and your PIN wait with it.": (
        "Қауіпсіздігіңіз үшін жаңа телефон нөмірі күту уақыты өткен соң ғана күшіне енеді, ал бұрынғы "
        "нөміріңізге ауыстыру туралы хабарладық. Сертификаттарыңыз бен PIN-кодыңыз да соны күтеді.",
        "Для вашей защиты новый номер телефона вступает в силу только после срока ожидания, а на прежний "
        "номер мы сообщили о смене. Сертификаты и PIN-код ждут вместе с ним.",
    ),
    "You can get your certificates from": (
        "Сертификаттарыңызды мына уақыттан бастап ала аласыз:",
        "Получить сертификаты можно с",
    ),
    "Come back to this page then, or start again with your IIN and the new number.": (
        "Сол кезде осы бетке оралыңыз немесе ЖСН мен жаңа нөмір арқылы қайта бастаңыз.",
        "Вернитесь тогда на эту страницу или начните заново с ИИН и новым номером.",
    ),
    "Do you still have your previous number?": (
        "Бұрынғы нөміріңіз әлі сізде ме?",
        "Прежний номер ещё у вас?",
    ),
    "The 8-digit code from the SMS sent to your previous number": (
        "Бұрынғы нөміріңізге келген SMS-тағы 8 санды код",
        "8-значный код из SMS на ваш прежний номер",
    ),
    "Continue now": ("Қазір жалғастыру", "Продолжить сейчас"),
    "Stop a change of your phone number": (
        "Телефон нөміріңізді ауыстыруды тоқтату",
        "Остановить смену вашего номера телефона",
    ),
    "The change is stopped: your phone number stays as it was and no certificates are issued to the new "
    "number.": (
        "Ауыстыру тоқтатылды: телефон нөміріңіз бұрынғыдай қалады, жаңа нөмірге сертификаттар берілмейді.",
        "Смена остановлена: ваш номер телефона остаётся прежним, и на новый номер сертификаты не "
        "выпускаются.",
    ),
    "If you did not ask for it, someone may know your IIN: call 1414 or visit a service centre.": (
        "Егер оны сіз сұрамасаңыз, біреу сіздің ЖСН-іңізді білуі мүмкін: 1414-ке қоңырау шалыңыз немесе "
        "ХҚКО-ға барыңыз.",
        "Если вы этого не просили, ваш ИИН может быть кому-то известен: позвоните 1414 или обратитесь в ЦОН.",
    ),
    "We sent an SMS to your phone number because someone asked to change it. If it was not you, stop it "
    "here with the code from that SMS.": (
        "Біреу телефон нөміріңізді ауыстыруды сұрағандықтан, сізге SMS жібердік. Егер бұл сіз болмасаңыз, "
        "сол SMS-тағы кодпен осы жерде тоқтатыңыз.",
        "Мы отправили SMS на ваш номер, потому что кто-то попросил его сменить. Если это были не вы, "
        "остановите смену здесь кодом из этого SMS.",
    ),
    "The 8-digit code from the SMS": ("SMS-тағы 8 санды код", "8-значный код из SMS"),
    "Stop the change": ("Ауыстыруды тоқтату", "Остановить смену"),
    "Issuing new certificates revokes the ones you hold now (reason: superseded):": (
        "Жаңа сертификаттарды беру қазіргі сертификаттарыңызды кері қайтарады (себебі: ауыстырылды):",
        "Выпуск новых сертификатов отзывает те, что у вас сейчас (причина: заменены):",
    ),
    "valid until": ("жарамдылық мерзімі:", "действует до"),
    "Phone change confirmed with the code sent to the previous number": (
        "Телефонды ауыстыру бұрынғы нөмірге жіберілген кодпен расталды",
        "Смена номера подтверждена кодом, отправленным на прежний номер",
    ),
    "Wrong code for the previous number": (
        "Бұрынғы нөмірге арналған код қате",
        "Неверный код для прежнего номера",
    ),
    "Phone change stopped by the owner of the previous number: the enrolment was stopped": (
        "Телефонды ауыстыруды бұрынғы нөмірдің иесі тоқтатты: өтінім тоқтатылды",
        "Смену номера остановил владелец прежнего номера: заявка остановлена",
    ),
    "Phone change stopped": ("Телефонды ауыстыру тоқтатылды", "Смена номера остановлена"),
    "The phone number on record was told by SMS": (
        "Тіркелген телефон нөміріне SMS арқылы хабарланды",
        "На номер из базы отправлено SMS-уведомление",
    ),
    "The SMS to the number on record failed": (
        "Тіркелген нөмірге SMS жіберілмеді",
        "SMS на номер из базы не отправлено",
    ),
    "You already have a Digital ID account: the new PIN replaces its PIN, and we tell the phone number on "
    "record by SMS.": (
        "Сізде Digital ID аккаунты бар: жаңа PIN-код оның PIN-кодын ауыстырады, ал тіркелген телефон "
        "нөміріне SMS арқылы хабарлаймыз.",
        "У вас уже есть аккаунт Digital ID: новый PIN-код заменит его PIN-код, и мы сообщим об этом SMS на "
        "номер из базы.",
    ),
    "Visit a service centre": ("ХҚКО-ға жүгініңіз", "Обратитесь в ЦОН"),
    "At the service centre an officer compares you with the photo the state holds and issues your EDS. "
    "Bring your identity card.": (
        "ХҚКО-да қызметкер сізді мемлекетте сақталған фотомен салыстырып, ЭЦҚ береді. Жеке куәлігіңізді "
        "ала келіңіз.",
        "В ЦОН сотрудник сверит вас с фотографией, которая хранится у государства, и выпустит ЭЦП. Возьмите "
        "с собой удостоверение личности.",
    ),
    # POST /api/v1/enrolments answers this (eds_toolkit.flow.start.START_MESSAGE)
    "If this IIN has a phone number in the mobile-citizens base, we sent a code from 1414 to it. "
    "No code? Register your phone number instead.": (
        "Егер бұл ЖСН мобильді азаматтар базасында телефонмен тіркелген болса, 1414 нөмірінен код жіберілді. "
        "Код келмеді ме? Телефон нөміріңізді тіркеңіз.",
        "Если к этому ИИН в базе мобильных граждан привязан номер, мы отправили на него код от 1414. "
        "Код не пришёл? Зарегистрируйте номер телефона.",
    ),
    # the certificates page driving eds agent
    "Make your keys on this computer with eds agent": (
        "Кілттеріңізді осы компьютерде eds agent арқылы жасаңыз",
        "Создайте ключи на этом компьютере с помощью eds agent",
    ),
    "Looking for eds agent on this computer...": (
        "Осы компьютерде eds agent ізделуде...",
        "Ищем eds agent на этом компьютере...",
    ),
    "Folder for your keystores": ("Кілттер қоймаларына арналған қалта", "Папка для хранилищ ключей"),
    "Keystore password (leave empty and eds agent asks you for it)": (
        "Кілттер қоймасының құпия сөзі (бос қалдырсаңыз, eds agent өзі сұрайды)",
        "Пароль хранилища ключей (оставьте пустым, и eds agent спросит его сам)",
    ),
    "Create my keys with the agent": ("Кілттерді агент арқылы жасау", "Создать ключи с помощью агента"),
    "Your two keystores are in": (
        "Екі кілттер қоймаңыз мына жерде",
        "Два ваших хранилища ключей находятся в",
    ),
    "We could not reach the signing agent: it is not running, or it does not trust this site yet.": (
        "Қол қою агентіне қосыла алмадық: ол іске қосылмаған немесе бұл сайтқа әлі сенбейді.",
        "Не удалось связаться с агентом подписи: он не запущен или ещё не доверяет этому сайту.",
    ),
    "eds agent makes your keys on this computer, so they never leave it:": (
        "eds agent кілттерді осы компьютерде жасайды, сондықтан олар одан ешқашан шықпайды:",
        "eds agent создаёт ключи на этом компьютере, поэтому они никогда его не покидают:",
    ),
    "Start the agent for this site (if it is already running, stop it and start it again with this command):": (  # noqa: E501
        "Агентті осы сайт үшін іске қосыңыз (егер ол қосулы болса, тоқтатып, осы командамен қайта іске "
        "қосыңыз):",
        "Запустите агент для этого сайта (если он уже запущен, остановите его и запустите снова этой "
        "командой):",
    ),
    "Install eds-toolkit on this computer (it needs Python 3.11 or newer); this command gives you the eds command:": (  # noqa: E501
        "Осы компьютерге eds-toolkit орнатыңыз (Python 3.11 немесе жаңарағы қажет); бұл команда сізге eds "
        "командасын береді:",
        "Установите eds-toolkit на этот компьютер (нужен Python 3.11 или новее); эта команда даст вам "
        "команду eds:",
    ),
    "Trust its certificate once: open": (
        "Оның сертификатына бір рет сеніңіз: ашыңыз",
        "Один раз доверьтесь его сертификату: откройте",
    ),
    "and accept the certificate eds agent made for 127.0.0.1.": (
        "және eds agent 127.0.0.1 үшін жасаған сертификатты қабылдаңыз.",
        "и примите сертификат, который eds agent создал для 127.0.0.1.",
    ),
    "Then reload this page.": ("Содан кейін осы бетті қайта жүктеңіз.", "Затем обновите эту страницу."),
    "Step by step, with what to do when it does not work: run eds agent --help, or read the eds agent guide": (  # noqa: E501
        "Қадам бойынша және жұмыс істемесе не істеу керегі: eds agent --help іске қосыңыз немесе eds agent "
        "нұсқаулығын оқыңыз",
        "Пошагово и что делать, если не получается: запустите eds agent --help или прочитайте руководство "
        "по eds agent",
    ),
    "in eds-toolkit": ("eds-toolkit ішінде", "в eds-toolkit"),
    "Another signing program answers instead of eds agent": (
        "eds agent орнына басқа қол қою бағдарламасы жауап береді",
        "Вместо eds agent отвечает другая программа подписи",
    ),
    "Another signing program, probably NCALayer, answers where this site looks for eds agent, but it cannot make keys for this site. Close it while you get your certificates, start eds agent with the command below, then reload this page.": (  # noqa: E501
        "Бұл сайт eds agent-ті іздейтін жерде басқа қол қою бағдарламасы (мүмкін NCALayer) жауап береді, "
        "бірақ ол бұл сайт үшін кілттер жасай алмайды. Сертификаттарды алғанша оны жабыңыз, eds agent-ті "
        "төмендегі командамен іске қосыңыз, содан кейін осы бетті қайта жүктеңіз.",
        "Там, где этот сайт ищет eds agent, отвечает другая программа подписи, вероятно NCALayer, но она "
        "не может создать ключи для этого сайта. Закройте её, пока получаете сертификаты, запустите "
        "eds agent командой ниже и обновите эту страницу.",
    ),
    "Or use one of the ways below: upload requests made with eds keystore new, or let the server make the keys.": (  # noqa: E501
        "Немесе төмендегі тәсілдердің бірін қолданыңыз: eds keystore new арқылы жасалған сұраныстарды жүктеңіз "  # noqa: E501
        "немесе кілттерді серверге жасатыңыз.",
        "Или воспользуйтесь одним из способов ниже: загрузите запросы, созданные командой eds keystore new, "
        "или поручите создание ключей серверу.",
    ),
    "No certificates yet: they appear here once they are issued.": (
        "Әзірге сертификаттар жоқ: олар шығарылғаннан кейін осында көрінеді.",
        "Сертификатов пока нет: они появятся здесь после выпуска.",
    ),
    "Signing agent found": ("Қол қою агенті табылды", "Агент подписи найден"),
    "Signing agent not found": ("Қол қою агенті табылмады", "Агент подписи не найден"),
    "Choosing the folder in eds agent...": ("eds agent-те қалта таңдалуда...", "Выбор папки в eds agent..."),
    "eds agent is making your keys...": (
        "eds agent кілттеріңізді жасап жатыр...",
        "eds agent создаёт ваши ключи...",
    ),
    "The certification authority is issuing your certificates...": (
        "Куәландырушы орталық сертификаттарыңызды шығарып жатыр...",
        "Удостоверяющий центр выпускает ваши сертификаты...",
    ),
    "eds agent is saving your keystores...": (
        "eds agent кілттер қоймаларыңызды сақтап жатыр...",
        "eds agent сохраняет ваши хранилища ключей...",
    ),
    "Done: your certificates are in your keystores.": (
        "Дайын: сертификаттарыңыз кілттер қоймаларында.",
        "Готово: ваши сертификаты в хранилищах ключей.",
    ),
    "The two passwords are different: type the same password twice.": (
        "Екі құпия сөз әртүрлі: бір құпия сөзді екі рет теріңіз.",
        "Пароли не совпадают: введите один и тот же пароль дважды.",
    ),
    "You cancelled in eds agent. Nothing was saved; press the button to try again.": (
        "Сіз eds agent-те бас тарттыңыз. Ештеңе сақталмады; қайталау үшін батырманы басыңыз.",
        "Вы отменили действие в eds agent. Ничего не сохранено; нажмите кнопку, чтобы повторить.",
    ),
    "The connection to eds agent was lost. Start eds agent again, reload this page and try again.": (
        "eds agent-пен байланыс үзілді. eds agent-ті қайта іске қосып, бетті жаңартып, қайталаңыз.",
        "Связь с eds agent потеряна. Запустите eds agent снова, обновите страницу и повторите.",
    ),
    "The connection to the server failed. Check your internet connection and try again.": (
        "Сервермен байланыс орнамады. Интернет байланысын тексеріп, қайталаңыз.",
        "Не удалось связаться с сервером. Проверьте подключение к интернету и повторите.",
    ),
    "The page has expired. Reload it and try again.": (
        "Беттің мерзімі өтті. Оны қайта жүктеп, қайталаңыз.",
        "Страница устарела. Обновите её и повторите.",
    ),
    "Your certificates were already issued; eds agent on this computer does not hold their keys. "
    "Sign in to your cabinet to see them.": (
        "Сертификаттарыңыз бұрын шығарылған; осы компьютердегі eds agent-те олардың кілттері жоқ. "
        "Оларды көру үшін жеке кабинетке кіріңіз.",
        "Ваши сертификаты уже выпущены; у eds agent на этом компьютере нет их ключей. "
        "Войдите в личный кабинет, чтобы их увидеть.",
    ),
    "Your certificates are issued: press the button to save them into your keystores.": (
        "Сертификаттарыңыз шығарылды: оларды кілттер қоймаларына сақтау үшін батырманы басыңыз.",
        "Ваши сертификаты выпущены: нажмите кнопку, чтобы сохранить их в хранилища ключей.",
    ),
    "eds agent refused the password:": ("eds agent құпия сөзді қабылдамады:", "eds agent отклонил пароль:"),
    "eds agent refused:": ("eds agent бас тартты:", "eds agent отказал:"),
    # identification pages
    "Then send a photo of your identity card: we compare the faces.": (
        "Содан кейін жеке куәлігіңіздің фотосын жіберіңіз: біз беттерді салыстырамыз.",
        "Затем отправьте фото удостоверения личности: мы сравним лица.",
    ),
    "Back to the start": ("Басына оралу", "Вернуться в начало"),
    "Selfie": ("Селфи", "Селфи"),
    "Video check": ("Бейне тексеру", "Видеопроверка"),
    "Identity-card photo": ("Жеке куәліктің фотосы", "Фото удостоверения личности"),
    "Identification failed": ("Сәйкестендіру сәтсіз аяқталды", "Идентификация не пройдена"),
    "Identification: identity-card photo": (
        "Сәйкестендіру: жеке куәліктің фотосы",
        "Идентификация: фото удостоверения личности",
    ),
    "Photo of your identity card": ("Жеке куәлігіңіздің фотосы", "Фото вашего удостоверения личности"),
    "Send a sharp photo of the side of your identity card with your photo on it, or hold the card up to the camera.": (  # noqa: E501
        "Жеке куәлігіңіздің суретіңіз бар жағының анық фотосын жіберіңіз немесе куәлікті камераға көрсетіңіз.",  # noqa: E501
        "Отправьте чёткое фото стороны удостоверения с вашей фотографией или поднесите его к камере.",
    ),
    "Photo of the identity card (JPEG, PNG or WebP)": (
        "Жеке куәліктің фотосы (JPEG, PNG немесе WebP)",
        "Фото удостоверения личности (JPEG, PNG или WebP)",
    ),
    "Send the photo": ("Фотоны жіберу", "Отправить фото"),
    "Use the camera instead": ("Оның орнына камераны қолдану", "Использовать камеру"),
    "Take the photo of the card": ("Куәліктің фотосын түсіру", "Сфотографировать удостоверение"),
    "Identification: selfie": ("Сәйкестендіру: селфи", "Идентификация: селфи"),
    "Take a selfie": ("Селфи түсіріңіз", "Сделайте селфи"),
    "Put your face inside the circle, look straight into the camera in good light, and take the selfie.": (
        "Бетіңізді шеңбердің ішіне орналастырыңыз, жақсы жарықта камераға тура қарап, селфи түсіріңіз.",
        "Расположите лицо внутри круга, смотрите прямо в камеру при хорошем освещении и сделайте селфи.",
    ),
    "The camera starts when you allow it in your browser.": (
        "Камера браузерде рұқсат бергенде іске қосылады.",
        "Камера включится, когда вы разрешите это в браузере.",
    ),
    "Take the selfie": ("Селфи түсіру", "Сделать селфи"),
    "No camera? Send a photo instead": (
        "Камера жоқ па? Оның орнына фото жіберіңіз",
        "Нет камеры? Отправьте фото",
    ),
    "A photo of your face, taken just now (JPEG, PNG or WebP)": (
        "Жаңа ғана түсірілген бетіңіздің фотосы (JPEG, PNG немесе WebP)",
        "Фото вашего лица, сделанное только что (JPEG, PNG или WebP)",
    ),
    "Identification: video check": ("Сәйкестендіру: бейне тексеру", "Идентификация: видеопроверка"),
    "Keep your face in the circle. When you start, do each movement shown under the camera, in turn.": (
        "Бетіңізді шеңбер ішінде ұстаңыз. Бастағанда камера астында көрсетілген әр қимылды кезекпен орындаңыз.",  # noqa: E501
        "Держите лицо в круге. После начала выполняйте по очереди каждое движение, показанное под камерой.",
    ),
    "Press Start when you are ready.": (
        "Дайын болғанда «Бастау» батырмасын басыңыз.",
        "Нажмите «Начать», когда будете готовы.",
    ),
    "Start": ("Бастау", "Начать"),
    "The video check needs JavaScript and a camera. If you cannot use them, please visit a service centre.": (
        "Бейне тексеру үшін JavaScript пен камера қажет. Оларды қолдана алмасаңыз, қызмет көрсету орталығына барыңыз.",  # noqa: E501
        "Для видеопроверки нужны JavaScript и камера. Если это невозможно, обратитесь в центр обслуживания.",
    ),
    # texts the identification page script shows (identify.js reads them from a JSON island)
    "Looking at the picture…": ("Сурет тексерілуде…", "Смотрим на снимок…"),
    "Checking the selfie…": ("Селфи тексерілуде…", "Проверяем селфи…"),
    "Checking the photo…": ("Фото тексерілуде…", "Проверяем фото…"),
    "Checking the video…": ("Бейне тексерілуде…", "Проверяем видео…"),
    "Comparing the faces…": ("Беттер салыстырылуда…", "Сравниваем лица…"),
    "Done.": ("Дайын.", "Готово."),
    "Try again": ("Қайталау", "Повторить"),
    "The camera could not be started. Allow the camera in your browser, or send a photo below.": (
        "Камера іске қосылмады. Браузерде камераға рұқсат беріңіз немесе төменде фото жіберіңіз.",
        "Не удалось включить камеру. Разрешите доступ к камере в браузере или отправьте фото ниже.",
    ),
    "The camera could not be started. Allow the camera in your browser, or send a photo instead.": (
        "Камера іске қосылмады. Браузерде камераға рұқсат беріңіз немесе оның орнына фото жіберіңіз.",
        "Не удалось включить камеру. Разрешите доступ к камере в браузере или отправьте фото.",
    ),
    "The camera could not be started. Allow the camera in your browser and reload the page.": (
        "Камера іске қосылмады. Браузерде камераға рұқсат беріп, бетті қайта жүктеңіз.",
        "Не удалось включить камеру. Разрешите доступ к камере в браузере и обновите страницу.",
    ),
    "The server answered {status}. Please try again.": (
        "Сервер {status} кодымен жауап берді. Қайталап көріңіз.",
        "Сервер ответил кодом {status}. Попробуйте снова.",
    ),
    "The connection failed. Check your internet connection and try again.": (
        "Байланыс үзілді. Интернет байланысын тексеріп, қайталап көріңіз.",
        "Соединение не удалось. Проверьте подключение к интернету и попробуйте снова.",
    ),
    # eds agent's refusals on the certificates page, by the agent's error code
    "Use at least 8 characters with Latin letters and digits; not a common word, a keyboard sequence or "
    "your IIN.": (
        "Кемінде 8 таңба, латын әріптері мен сандар болсын; кең тараған сөз, пернетақтадағы қатар немесе "
        "ЖСН-іңіз болмасын.",
        "Используйте не менее 8 символов, латинские буквы и цифры; не распространённое слово, не ряд "
        "клавиш и не ваш ИИН.",
    ),
    "The keystore password is wrong.": (
        "Кілттер қоймасының құпия сөзі қате.",
        "Неверный пароль хранилища ключей.",
    ),
    "eds agent cannot write into this folder. Choose another folder and try again.": (
        "eds agent бұл қалтаға жаза алмайды. Басқа қалтаны таңдап, қайталаңыз.",
        "eds agent не может записать в эту папку. Выберите другую папку и повторите.",
    ),
    "The disk is full. Free some space or choose another folder, then try again.": (
        "Диск толы. Орын босатыңыз немесе басқа қалтаны таңдап, қайталаңыз.",
        "Диск заполнен. Освободите место или выберите другую папку и повторите.",
    ),
    "The certificates do not belong to the keys eds agent made for you. Reload the page and try again.": (
        "Сертификаттар eds agent сізге жасаған кілттерге жатпайды. Бетті қайта жүктеп, қайталаңыз.",
        "Сертификаты не подходят к ключам, которые eds agent создал для вас. Обновите страницу и повторите.",
    ),
    # The cabinet's history (eds_toolkit.web.history_text)
    "Done": ("Орындалды", "Выполнено"),
    "Not accepted": ("Қабылданбады", "Не принято"),
    "Step recorded": ("Қадам тіркелді", "Шаг записан"),
    "Wrong SMS code": ("SMS-код қате", "Неверный SMS-код"),
    "The SMS code had expired": ("SMS-кодтың мерзімі өтіп кеткен", "Срок действия SMS-кода истёк"),
    "Enrolment started": ("Өтінім басталды", "Заявка начата"),
    "Enrolment could not start": ("Өтінімді бастау мүмкін болмады", "Заявку не удалось начать"),
    "Phone confirmed with the SMS code": ("Телефон SMS-кодпен расталды", "Телефон подтверждён SMS-кодом"),
    "SMS code not accepted": ("SMS-код қабылданбады", "SMS-код не принят"),
    "A new SMS code was sent": ("Жаңа SMS-код жіберілді", "Отправлен новый SMS-код"),
    "A new SMS code could not be sent": (
        "Жаңа SMS-кодты жіберу мүмкін болмады",
        "Новый SMS-код отправить не удалось",
    ),
    "New phone number registered, a code was sent to it": (
        "Жаңа телефон нөмірі тіркелді, оған код жіберілді",
        "Новый номер телефона зарегистрирован, на него отправлен код",
    ),
    "Phone number not accepted": ("Телефон нөмірі қабылданбады", "Номер телефона не принят"),
    "New phone number confirmed with the SMS code": (
        "Жаңа телефон нөмірі SMS-кодпен расталды",
        "Новый номер телефона подтверждён SMS-кодом",
    ),
    "Selfie checked": ("Селфи тексерілді", "Селфи проверено"),
    "Selfie accepted": ("Селфи қабылданды", "Селфи принято"),
    "Selfie not accepted": ("Селфи қабылданбады", "Селфи не принято"),
    "Video check started": ("Бейне тексеру басталды", "Видеопроверка начата"),
    "Video check could not start": (
        "Бейне тексеруді бастау мүмкін болмады",
        "Видеопроверку не удалось начать",
    ),
    "Video checked": ("Бейне тексерілді", "Видео проверено"),
    "Video check passed": ("Бейне тексеруден өтті", "Видеопроверка пройдена"),
    "Video check not passed": ("Бейне тексеруден өтпеді", "Видеопроверка не пройдена"),
    "Face compared with the state photo and the identity-card photo": (
        "Бет мемлекеттегі фотомен және жеке куәліктегі фотомен салыстырылды",
        "Лицо сверено с фото из госбазы и с фото удостоверения личности",
    ),
    "Face matched the state photo and the identity-card photo": (
        "Бет мемлекеттегі фотоға және жеке куәліктегі фотоға сәйкес келді",
        "Лицо совпало с фото из госбазы и с фото удостоверения личности",
    ),
    "Face did not match the state photo or the identity-card photo": (
        "Бет мемлекеттегі фотоға немесе жеке куәліктегі фотоға сәйкес келмеді",
        "Лицо не совпало с фото из госбазы или с фото удостоверения личности",
    ),
    "Not found in the citizens register: the enrolment was stopped": (
        "Азаматтар тізілімінде табылмады: өтінім тоқтатылды",
        "Нет в реестре граждан: заявка остановлена",
    ),
    "Not found in the citizens register": ("Азаматтар тізілімінде табылмады", "Нет в реестре граждан"),
    "Identification failed: the enrolment was stopped": (
        "Сәйкестендіру сәтсіз аяқталды: өтінім тоқтатылды",
        "Идентификация не пройдена: заявка остановлена",
    ),
    "PIN set": ("PIN-код орнатылды", "PIN-код задан"),
    "PIN not accepted": ("PIN-код қабылданбады", "PIN-код не принят"),
    "Certificates issued for your own keys": (
        "Сертификаттар өз кілттеріңізге берілді",
        "Сертификаты выпущены для ваших собственных ключей",
    ),
    "Certificates issued": ("Сертификаттар берілді", "Сертификаты выпущены"),
    "Certificates not issued": ("Сертификаттар берілмеді", "Сертификаты не выпущены"),
    "Enrolment expired: it was not finished in time": (
        "Өтінімнің мерзімі өтті: ол уақытында аяқталмады",
        "Срок заявки истёк: она не была завершена вовремя",
    ),
    "Enrolment expired": ("Өтінімнің мерзімі өтті", "Срок заявки истёк"),
    "Certificates renewed": ("Сертификаттар жаңартылды", "Сертификаты обновлены"),
    "Certificate renewal refused": (
        "Сертификаттарды жаңарту қабылданбады",
        "В обновлении сертификатов отказано",
    ),
    "Residence registration application filed": (
        "Тұрғылықты жерге тіркелу өтініші берілді",
        "Подано заявление о регистрации по месту жительства",
    ),
    "Application not filed": ("Өтініш берілмеді", "Заявление не подано"),
    "Signing code sent by SMS": ("Қол қою коды SMS арқылы жіберілді", "Код для подписи отправлен по SMS"),
    "Signing code not sent": ("Қол қою коды жіберілмеді", "Код для подписи не отправлен"),
    "Application signed with the SMS code": (
        "Өтінішке SMS-кодпен қол қойылды",
        "Заявление подписано SMS-кодом",
    ),
    "Application signed with your EDS": ("Өтінішке ЭЦҚ-ңызбен қол қойылды", "Заявление подписано вашей ЭЦП"),
    "Application not signed": ("Өтінішке қол қойылмады", "Заявление не подписано"),
    "Application sent to the owner for confirmation": (
        "Өтініш растау үшін меншік иесіне жіберілді",
        "Заявление отправлено собственнику на подтверждение",
    ),
    "Application not sent": ("Өтініш жіберілмеді", "Заявление не отправлено"),
    "Residence registered": ("Тұрғылықты жерге тіркелді", "Регистрация по месту жительства оформлена"),
    "Residence not registered": (
        "Тұрғылықты жерге тіркелмеді",
        "Регистрация по месту жительства не оформлена",
    ),
    "Confirmation code sent to the owner": (
        "Растау коды меншік иесіне жіберілді",
        "Код подтверждения отправлен собственнику",
    ),
    "Confirmation code not sent": ("Растау коды жіберілмеді", "Код подтверждения не отправлен"),
    "Owner's decision recorded": ("Меншік иесінің шешімі тіркелді", "Решение собственника записано"),
    "Owner's decision not accepted": (
        "Меншік иесінің шешімі қабылданбады",
        "Решение собственника не принято",
    ),
    "Owner confirmed the registration": (
        "Меншік иесі тіркеуді растады",
        "Собственник подтвердил регистрацию",
    ),
    "Owner declined the registration": (
        "Меншік иесі тіркеуден бас тартты",
        "Собственник отказал в регистрации",
    ),
    "Application returned: the owner did not confirm in time": (
        "Өтініш қайтарылды: меншік иесі уақытында растамады",
        "Заявление возвращено: собственник не подтвердил вовремя",
    ),
    "Application returned": ("Өтініш қайтарылды", "Заявление возвращено"),
}

# What identify.js shows, by the key the script uses: rendered into the page in its language.
IDENTIFY_SCRIPT_TEXTS: dict[str, str] = {
    "lookingAtPicture": "Looking at the picture…",
    "checkingSelfie": "Checking the selfie…",
    "checkingPhoto": "Checking the photo…",
    "checkingVideo": "Checking the video…",
    "comparingFaces": "Comparing the faces…",
    "done": "Done.",
    "tryAgain": "Try again",
    "cameraFailedSelfie": "The camera could not be started. "
    "Allow the camera in your browser, or send a photo below.",
    "cameraFailedIdPhoto": "The camera could not be started. "
    "Allow the camera in your browser, or send a photo instead.",
    "cameraFailedVideo": "The camera could not be started. "
    "Allow the camera in your browser and reload the page.",
    "serverAnswered": "The server answered {status}. Please try again.",
    "connectionFailed": "The connection failed. Check your internet connection and try again.",
    "identificationFailed": "Identification failed",
    "backToStart": "Back to the start",
}


def identify_script_texts() -> dict[str, str]:
    """The identification page script's texts in the page's language (the script fills ``{status}``)."""
    return {key: translate(english) for key, english in IDENTIFY_SCRIPT_TEXTS.items()}


# Refusal codes -> (en, kk, ru); {name} placeholders take the refusal's numbers.
ERRORS: dict[str, tuple[str, str, str]] = {
    "invalid_iin": (
        "The IIN is not valid: check the 12 digits.",
        "ЖСН қате: 12 санды тексеріңіз.",
        "ИИН неверен: проверьте 12 цифр.",
    ),
    "code_format": (
        "The code from the SMS is 6 digits.",
        "SMS-код 6 саннан тұрады.",
        "Код из SMS состоит из 6 цифр.",
    ),
    "code_wrong": (
        "The code is wrong: {remaining} tries left.",
        "Код қате: {remaining} әрекет қалды.",
        "Неверный код: осталось попыток: {remaining}.",
    ),
    "code_expired": (
        "The code has expired: ask for a new one.",
        "Кодтың мерзімі өтті: жаңасын сұраңыз.",
        "Срок действия кода истёк: запросите новый.",
    ),
    "code_already_used": (
        "This code was already used: ask for a new one.",
        "Бұл код бұрын қолданылған: жаңасын сұраңыз.",
        "Этот код уже использован: запросите новый.",
    ),
    "too_many_attempts": (
        "5 wrong tries: this code no longer works, ask for a new one.",
        "5 қате әрекет: бұл код енді жарамсыз, жаңасын сұраңыз.",
        "5 неверных попыток: код больше не действует, запросите новый.",
    ),
    "too_many_wrong_codes": (
        "Too many wrong SMS codes were entered, so this enrolment was stopped. Please start again later "
        "or visit a service centre.",
        "Тым көп қате SMS-код енгізілді, сондықтан бұл өтінім тоқтатылды. Кейінірек қайта бастаңыз немесе "
        "халыққа қызмет көрсету орталығына (ХҚКО) барыңыз.",
        "Введено слишком много неверных SMS-кодов, поэтому заявка остановлена. Начните заново позже или "
        "обратитесь в центр обслуживания населения (ЦОН).",
    ),
    "too_many_wrong_codes_for_iin": (
        "Too many wrong SMS codes were entered for this IIN recently, so this enrolment was stopped and "
        "codes cannot be entered for it now (for at most 24 hours). Please start again later or visit a "
        "service centre.",
        "Соңғы уақытта бұл ЖСН үшін тым көп қате SMS-код енгізілді, сондықтан өтінім тоқтатылды және "
        "қазір код енгізу мүмкін емес (ең көбі 24 сағат). Кейінірек қайта бастаңыз немесе халыққа қызмет "
        "көрсету орталығына (ХҚКО) барыңыз.",
        "Для этого ИИН недавно введено слишком много неверных SMS-кодов, поэтому заявка остановлена и "
        "вводить коды сейчас нельзя (не более 24 часов). Начните заново позже или обратитесь в центр "
        "обслуживания населения (ЦОН).",
    ),
    "resend_too_soon": (
        "A new code can be sent in {retry_after} seconds.",
        "Жаңа кодты {retry_after} секундтан кейін жіберуге болады.",
        "Новый код можно отправить через {retry_after} с.",
    ),
    "too_many_resends": (
        "Too many codes were sent in the last hour: try again later.",
        "Соңғы сағатта тым көп код жіберілді: кейінірек қайталаңыз.",
        "За последний час отправлено слишком много кодов: попробуйте позже.",
    ),
    "step_out_of_order": (
        "This step is not available yet: please finish the previous step first.",
        "Бұл қадам әлі қолжетімсіз: алдымен алдыңғы қадамды аяқтаңыз.",
        "Этот шаг пока недоступен: сначала завершите предыдущий.",
    ),
    "enrolment_expired": (
        "This enrolment has expired. Please start again with your IIN.",
        "Өтінім мерзімі өтті. ЖСН-мен қайта бастаңыз.",
        "Срок заявки истёк. Начните заново с ИИН.",
    ),
    "concurrent_change": (
        "This enrolment was changed in another window or tab. Please reload the page.",
        "Өтінім басқа терезеде өзгертілді. Бетті қайта жүктеңіз.",
        "Заявка изменена в другом окне или вкладке. Обновите страницу.",
    ),
    "already_issued": (
        "The certificates for this enrolment were already issued. Sign in to your cabinet to see them.",
        "Бұл өтінім бойынша сертификаттар шығарылған. Оларды жеке кабинеттен көріңіз.",
        "Сертификаты по этой заявке уже выпущены. Войдите в личный кабинет, чтобы их увидеть.",
    ),
    "weak_pin": (
        "This PIN is too easy to guess: {detail}",
        "Бұл PIN-кодты табу оңай.",
        "Этот PIN-код легко угадать.",
    ),
    "weak_pin.length": (
        "",
        "PIN-код дәл 6 саннан тұруы керек.",
        "PIN-код должен состоять ровно из 6 цифр.",
    ),
    "weak_pin.same_digits": (
        "",
        "PIN-код бір цифрдың қайталануы болмауы керек.",
        "PIN-код не должен состоять из одной повторяющейся цифры.",
    ),
    "weak_pin.straight_run": (
        "",
        "PIN-код 123456 немесе 654321 сияқты қатар болмауы керек.",
        "PIN-код не должен быть рядом цифр вроде 123456 или 654321.",
    ),
    "weak_pin.birth_date": (
        "",
        "PIN-код туған күніңіз болмауы керек.",
        "PIN-код не должен совпадать с датой рождения.",
    ),
    "weak_pin.birth_year": (
        "",
        "PIN-код туған жылыңызды туған айыңызбен немесе күніңізбен бірге қамтымауы керек.",
        "PIN-код не должен содержать год рождения вместе с месяцем или днём рождения.",
    ),
    "weak_pin.common": (
        "",
        "Бұл PIN-код тым кең таралған: табу қиынырақ кодты таңдаңыз.",
        "Этот PIN-код слишком распространён: выберите более сложный.",
    ),
    "pin_mismatch": (
        "The two PINs are different: type the same PIN twice.",
        "Екі PIN-код әртүрлі: бір PIN-кодты екі рет теріңіз.",
        "PIN-коды не совпадают: введите один и тот же PIN-код дважды.",
    ),
    "wrong_credentials": (
        "The IIN or PIN is wrong.",
        "ЖСН немесе PIN-код қате.",
        "Неверный ИИН или PIN-код.",
    ),
    "csrf": (
        "The form has expired or did not come from this site. Reload the page and try again.",
        "Форманың мерзімі өтті немесе ол осы сайттан емес. Бетті қайта жүктеп, қайталаңыз.",
        "Форма устарела или отправлена не с этого сайта. Обновите страницу и повторите.",
    ),
    "rate_limited": (
        "Too many requests: please wait a little and try again.",
        "Сұраныстар тым көп: біраз күтіп, қайталаңыз.",
        "Слишком много запросов: подождите немного и повторите.",
    ),
    "too_large": (
        "What you sent is too large.",
        "Жіберілген дерек тым үлкен.",
        "Отправленные данные слишком велики.",
    ),
    # identification uploads (the verdicts' own sentences are in verdict_text.py)
    "image_missing": (
        "No photo was sent: choose a JPEG, PNG or WebP photo.",
        "Фото жіберілмеді: JPEG, PNG немесе WebP фотосын таңдаңыз.",
        "Фото не отправлено: выберите фото в формате JPEG, PNG или WebP.",
    ),
    "bad_image": (
        "The file could not be read as a photo. Send a JPEG, PNG or WebP picture.",
        "Файлды фото ретінде оқу мүмкін болмады. JPEG, PNG немесе WebP суретін жіберіңіз.",
        "Файл не удалось прочитать как фото. Отправьте снимок в формате JPEG, PNG или WebP.",
    ),
    "frames_missing": (
        "No video frames were sent. Record the video again.",
        "Бейне кадрлары келмеді. Бейнені қайта жазыңыз.",
        "Кадры видео не получены. Запишите видео заново.",
    ),
    "too_many_frames": (
        "Too many video frames were sent. Record the video again.",
        "Бейне кадрлары тым көп жіберілді. Бейнені қайта жазыңыз.",
        "Отправлено слишком много кадров видео. Запишите видео заново.",
    ),
    "frame_too_large": (
        "A video frame is too large. Record the video again.",
        "Бейне кадры тым үлкен. Бейнені қайта жазыңыз.",
        "Кадр видео слишком большой. Запишите видео заново.",
    ),
    "bad_frame": (
        "A video frame could not be read. Record the video again.",
        "Бейне кадрын оқу мүмкін болмады. Бейнені қайта жазыңыз.",
        "Не удалось прочитать кадр видео. Запишите видео заново.",
    ),
    "bad_frame_times": (
        "The video frames arrived out of order. Record the video again.",
        "Бейне кадрлары ретімен келмеді. Бейнені қайта жазыңыз.",
        "Кадры видео пришли не по порядку. Запишите видео заново.",
    ),
    "too_many_tasks": (
        "Too many video checks were started for this enrolment. Please start again or visit a service "
        "centre.",
        "Бұл өтінім бойынша бейне тексеру тым көп рет басталды. Қайта бастаңыз немесе қызмет көрсету "
        "орталығына барыңыз.",
        "Для этой заявки начато слишком много видеопроверок. Начните заново или обратитесь в центр "
        "обслуживания.",
    ),
    # the enrolment API's own refusals (problem+json ``detail`` in the client's language)
    "sms_failed": (
        "We could not send the SMS right now. Nothing was changed; please try again later.",
        "Қазір SMS жіберу мүмкін болмады. Ештеңе өзгертілген жоқ; кейінірек қайталап көріңіз.",
        "Сейчас не удалось отправить SMS. Ничего не изменено; повторите попытку позже.",
    ),
    "registry_unavailable": (
        "The citizens register is not answering right now. Please try again in a few minutes.",
        "Азаматтар тізілімі қазір жауап бермей тұр. Бірнеше минуттан кейін қайталап көріңіз.",
        "Реестр граждан сейчас не отвечает. Повторите попытку через несколько минут.",
    ),
    "not_in_register": (
        "Your records are not in the citizens register, so an EDS cannot be issued remotely. "
        "Please visit a public service centre with your identity card.",
        "Сіздің деректеріңіз азаматтар тізілімінде жоқ, сондықтан ЭЦҚ қашықтан берілмейді. "
        "Жеке куәлігіңізбен халыққа қызмет көрсету орталығына барыңыз.",
        "Ваших данных нет в реестре граждан, поэтому ЭЦП нельзя выпустить удалённо. "
        "Обратитесь в центр обслуживания населения с удостоверением личности.",
    ),
    "service_centre_required": (
        "Remote issuance needs the photo the state holds for your IIN, and it cannot be used for you. "
        "Please visit a public service centre with your identity card to get an EDS.",
        "ЭЦҚ-ны қашықтан алу үшін мемлекетте сіздің ЖСН бойынша сақталған фото қажет, ал оны пайдалану "
        "мүмкін емес. ЭЦҚ алу үшін жеке куәлігіңізбен ХҚКО-ға (халыққа қызмет көрсету орталығына) "
        "жүгініңіз.",
        "Для удалённого выпуска ЭЦП нужна фотография, которая хранится у государства для вашего ИИН, а её "
        "нельзя использовать. Чтобы получить ЭЦП, обратитесь в ЦОН (центр обслуживания населения) с "
        "удостоверением личности.",
    ),
    "phone_change_pending": (
        "Your phone number was changed, so for your protection the certificates can be issued from "
        "{release}, or now if you type the code we sent to your previous number.",
        "Телефон нөміріңіз ауыстырылды, сондықтан қауіпсіздігіңіз үшін сертификаттар {release} бастап "
        "беріледі немесе бұрынғы нөміріңізге жіберілген кодты енгізсеңіз, қазір беріледі.",
        "Номер телефона изменён, поэтому для вашей защиты сертификаты можно выпустить с {release} или "
        "сейчас, если ввести код, отправленный на прежний номер.",
    ),
    "phone_change_stopped": (
        "The owner of the previous number stopped this phone change.",
        "Бұрынғы нөмірдің иесі телефон нөмірін ауыстыруды тоқтатты.",
        "Владелец прежнего номера остановил смену номера телефона.",
    ),
    "owner_code_format": (
        "The code sent to the previous number is 8 digits.",
        "Бұрынғы нөмірге жіберілген код 8 саннан тұрады.",
        "Код, отправленный на прежний номер, состоит из 8 цифр.",
    ),
    "owner_code_wrong": (
        "This code does not stop any change. Check the IIN and the code in the SMS.",
        "Бұл код ешбір ауыстыруды тоқтатпайды. ЖСН мен SMS-тағы кодты тексеріңіз.",
        "Этот код не останавливает ни одной смены. Проверьте ИИН и код из SMS.",
    ),
    "owner_code_locked": (
        "Too many wrong codes: the new number takes effect when the waiting time ends.",
        "Қате код тым көп енгізілді: жаңа нөмір күту уақыты біткенде күшіне енеді.",
        "Слишком много неверных кодов: новый номер вступит в силу по окончании срока ожидания.",
    ),
    "no_phone_change": (
        "This enrolment is not waiting for a phone change.",
        "Бұл өтінім телефон нөмірін ауыстыруды күтіп тұрған жоқ.",
        "Эта заявка не ожидает смены номера телефона.",
    ),
    "invalid_phone": (
        "The phone number is not valid: a Kazakh mobile number looks like +7 701 234 56 78.",
        "Телефон нөмірі қате: қазақстандық ұялы нөмір +7 701 234 56 78 сияқты болады.",
        "Неверный номер телефона: казахстанский мобильный номер выглядит как +7 701 234 56 78.",
    ),
    "code_for_new_phone_expected": (
        "You asked to register a new phone number: enter the code sent to that number instead.",
        "Сіз жаңа телефон нөмірін тіркеуді сұрадыңыз: сол нөмірге жіберілген кодты енгізіңіз.",
        "Вы запросили регистрацию нового номера: введите код, отправленный на этот номер.",
    ),
    "no_active_code": (
        "No code was sent yet: ask for a code.",
        "Код әлі жіберілген жоқ: код сұраңыз.",
        "Код ещё не отправлен: запросите код.",
    ),
    "code_malformed": (
        "The code is 6 digits.",
        "Код 6 саннан тұрады.",
        "Код состоит из 6 цифр.",
    ),
    "enrolment_failed": (
        "This enrolment was stopped and cannot continue. Please start again or visit a service centre.",
        "Бұл өтінім тоқтатылды және жалғаспайды. Қайта бастаңыз немесе қызмет көрсету орталығына барыңыз.",
        "Эта заявка остановлена и не может быть продолжена. Начните заново или обратитесь в центр "
        "обслуживания.",
    ),
    "not_found": (
        "No such enrolment for this token. Please start again with your IIN.",
        "Бұл токен бойынша мұндай өтінім жоқ. ЖСН-мен қайта бастаңыз.",
        "Заявки с таким токеном нет. Начните заново с ИИН.",
    ),
    "unauthenticated": (
        "Send the enrolment's token: Authorization: Bearer <token>.",
        "Өтінім токенін жіберіңіз: Authorization: Bearer <token>.",
        "Отправьте токен заявки: Authorization: Bearer <token>.",
    ),
    "json_expected": (
        "Send a JSON object (Content-Type: application/json).",
        "JSON нысанын жіберіңіз (Content-Type: application/json).",
        "Отправьте объект JSON (Content-Type: application/json).",
    ),
    "field_missing": (
        "The field {field} is required.",
        "{field} өрісі міндетті.",
        "Поле {field} обязательно.",
    ),
    "csr_missing": (
        "A certificate request (CSR) is missing.",
        "Сертификатқа сұраныс (CSR) жоқ.",
        "Отсутствует запрос на сертификат (CSR).",
    ),
    "csr_too_large": (
        "A certificate request (CSR) is too large.",
        "Сертификатқа сұраныс (CSR) тым үлкен.",
        "Запрос на сертификат (CSR) слишком велик.",
    ),
    "weak_password": (
        "The keystore password is too weak: {detail}",
        "Кілттер қоймасының құпия сөзі тым әлсіз: ұзынырақ, болжау қиын құпия сөз таңдаңыз.",
        "Пароль хранилища ключей слишком слабый: выберите более длинный и трудный для угадывания пароль.",
    ),
    "ca_unavailable": (
        "The certification authority is not available. Nothing was issued; please try again later.",
        "Куәландырушы орталық қолжетімсіз. Ештеңе шығарылған жоқ; кейінірек қайталап көріңіз.",
        "Удостоверяющий центр недоступен. Ничего не выпущено; повторите попытку позже.",
    ),
    "wrong_credentials.paused": (
        "The IIN or PIN is wrong, or sign-in is paused after too many wrong PINs: try again in {minutes} "
        "minutes.",
        "ЖСН немесе PIN-код қате, не қате PIN-код тым көп енгізілгендіктен кіру тоқтатылды: {minutes} "
        "минуттан кейін қайталаңыз.",
        "Неверный ИИН или PIN-код, либо вход приостановлен из-за слишком многих неверных PIN-кодов: "
        "повторите через {minutes} мин.",
    ),
    "signin_locked": (
        "Too many wrong PINs. Try again in {minutes} minutes.",
        "Қате PIN-код тым көп рет енгізілді. {minutes} минуттан кейін қайталаңыз.",
        "Слишком много неверных PIN-кодов. Повторите через {minutes} мин.",
    ),
    "page_not_found": (
        "There is no such page. Start again from the first page.",
        "Мұндай бет жоқ. Бірінші беттен қайта бастаңыз.",
        "Такой страницы нет. Начните заново с первой страницы.",
    ),
    "method_not_allowed": (
        "This address cannot be opened directly: go back and use the buttons on the page.",
        "Бұл мекенжайды тікелей ашуға болмайды: артқа оралып, беттегі түймелерді пайдаланыңыз.",
        "Этот адрес нельзя открыть напрямую: вернитесь назад и воспользуйтесь кнопками на странице.",
    ),
    "service_unavailable": (
        "The service is unavailable for a moment. Please try again a little later.",
        "Қызмет уақытша қолжетімсіз. Біраздан соң қайталап көріңіз.",
        "Сервис временно недоступен. Повторите попытку чуть позже.",
    ),
}


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
    if language in LANGUAGES[1:] and message in MESSAGES:
        message = MESSAGES[message][LANGUAGES.index(language) - 1]
    return message.format(**params) if params else message


def error_message(code: str, fallback: str, **params: object) -> str:
    """A refusal's message in the page's language.

    English keeps the step's own (most specific) message; Kazakh and Russian use the catalogue,
    most specific entry first (``weak_pin.birth_date`` before ``weak_pin``).
    """
    return error_message_in(current_language(), code, fallback, **params)


def error_message_in(language: str, code: str, fallback: str, **params: object) -> str:
    """A refusal's message in ``language`` (see :func:`error_message`)."""
    if language not in LANGUAGES[1:]:
        return fallback
    rule = params.get("rule")
    texts = ERRORS.get(f"{code}.{rule}") if rule else None
    texts = texts or ERRORS.get(code)
    if texts is None:
        return fallback
    try:
        return texts[LANGUAGES.index(language)].format(detail=fallback, **params)
    except (KeyError, IndexError):
        return fallback
