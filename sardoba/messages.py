"""The message table of `mobile-api.md` §4.3: code -> en, uz and ru texts.

The uz and ru texts of the rows the original backend sent are kept to the
character; `{N}` is replaced by a number. Every `ApplicationError` names a row.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Message:
    """One row of the table."""

    en: str
    uz: str
    ru: str


MESSAGES: dict[str, Message] = {
    "not_authenticated": Message(
        "Not authenticated",
        "Siz tizimga kirmagansiz.",
        "Вы не авторизованы.",
    ),
    "invalid_authentication_scheme": Message(
        "Invalid authentication scheme",
        "Avtorizatsiya usuli noto'g'ri.",
        "Неверная схема аутентификации.",
    ),
    "invalid_token": Message(
        "Invalid token",
        "Token yaroqsiz.",
        "Недействительный токен.",
    ),
    "permission_denied": Message(
        "Insufficient permissions",
        "Sizda bu amal uchun ruxsat yo'q.",
        "Недостаточно прав.",
    ),
    "user_not_found": Message(
        "User not found",
        "Foydalanuvchi topilmadi.",
        "Пользователь не найден.",
    ),
    "staff_not_found": Message(
        "Staff not found",
        "Xodim topilmadi.",
        "Сотрудник не найден.",
    ),
    "managers_only": Message(
        "Managers only",
        "Bu amal faqat menejerlar uchun.",
        "Доступно только менеджерам.",
    ),
    "forbidden": Message(
        "Forbidden",
        "Ushbu amal taqiqlangan.",
        "Действие запрещено.",
    ),
    "refresh_token_required": Message(
        "refresh_token is required",
        "refresh_token kiritilishi shart.",
        "Требуется передать refresh_token.",
    ),
    "unknown_actor_type": Message(
        "Unknown actor type",
        "Noma'lum foydalanuvchi turi.",
        "Неизвестный тип субъекта.",
    ),
    "missing_filename": Message(
        "Missing filename",
        "Fayl nomi ko'rsatilmagan.",
        "Имя файла не указано.",
    ),
    "unsupported_file_type": Message(
        "Unsupported file type",
        "Bu turdagi fayl qo'llab-quvvatlanmaydi.",
        "Неподдерживаемый тип файла.",
    ),
    "empty_file": Message(
        "Empty file",
        "Fayl bo'sh.",
        "Файл пуст.",
    ),
    "file_not_found": Message(
        "File not found",
        "Fayl topilmadi.",
        "Файл не найден.",
    ),
    "no_fields_provided": Message(
        "No fields provided for update",
        "Yangilash uchun hech qanday maydon berilmagan.",
        "Нет данных для обновления.",
    ),
    "invalid_credentials": Message(
        "Invalid credentials",
        "Login yoki parol noto'g'ri.",
        "Неверный логин или пароль.",
    ),
    "old_password_incorrect": Message(
        "Old password is incorrect",
        "Eski parol noto'g'ri.",
        "Старый пароль указан неверно.",
    ),
    "staff_phone_exists": Message(
        "Staff with this phone already exists",
        "Bu telefon raqamiga ega xodim allaqachon mavjud.",
        "Сотрудник с таким номером уже существует.",
    ),
    "only_managers_create_staff": Message(
        "Only managers can create staff",
        "Xodimlarni faqat menejer yaratishi mumkin.",
        "Создавать сотрудников может только менеджер.",
    ),
    "only_managers_action": Message(
        "Only managers can perform this action",
        "Bu amalni faqat menejer bajarishi mumkin.",
        "Это действие доступно только менеджерам.",
    ),
    "only_managers_add_cashback": Message(
        "Only managers can add cashback",
        "Keshbekni faqat menejer qo'shishi mumkin.",
        "Добавлять кэшбэк может только менеджер.",
    ),
    "cashback_min_payment": Message(
        "Cashback payment amount must be at least 50,000 UZS.",
        "Keshbek bilan to'lash uchun summa kamida 50 000 so'm bo'lishi kerak.",
        "Сумма оплаты кешбэком должна быть не менее 50 000 сум.",
    ),
    "cashback_min_balance": Message(
        "Cashback balance must be at least 50,000 UZS to pay with cashback.",
        "Keshbek balansida kamida 50 000 so'm bo'lishi kerak.",
        "На балансе кешбэка должно быть не менее 50 000 сум.",
    ),
    "insufficient_cashback_balance": Message(
        "Insufficient cashback balance.",
        "Keshbek balansi yetarli emas.",
        "Недостаточно средств на балансе кешбэка.",
    ),
    "cashback_payment_available": Message(
        "Cashback payment is available.",
        "Keshbek bilan to'lovga ruxsat beriladi.",
        "Оплата кешбэком возможна.",
    ),
    "waiter_not_found": Message(
        "Waiter not found",
        "Ofitsiant topilmadi.",
        "Официант не найден.",
    ),
    "waiter_has_related_records": Message(
        "Cannot delete waiter with related records",
        "Bog'liq yozuvlari mavjud ofitsiantni o'chirib bo'lmaydi.",
        "Невозможно удалить официанта с связанными записями.",
    ),
    "notification_not_found": Message(
        "Notification not found",
        "Bildirishnoma topilmadi.",
        "Уведомление не найдено.",
    ),
    "news_not_found": Message(
        "News not found",
        "Yangilik topilmadi.",
        "Новость не найдена.",
    ),
    "category_not_found": Message(
        "Category not found",
        "Kategoriya topilmadi.",
        "Категория не найдена.",
    ),
    "product_not_found": Message(
        "Product not found",
        "Mahsulot topilmadi.",
        "Товар не найден.",
    ),
    "invalid_refresh_token": Message(
        "Invalid refresh token",
        "Yangilash tokeni yaroqsiz.",
        "Недействительный refresh-токен.",
    ),
    "invalid_token_actor_type": Message(
        "Invalid token actor type",
        "Tokenning aktor turi noto'g'ri.",
        "Неверный тип субъекта в токене.",
    ),
    "sms_not_configured": Message(
        "SMS provider is not configured",
        "SMS provayder sozlanmagan.",
        "SMS-провайдер не настроен.",
    ),
    "sms_failed": Message(
        "The SMS could not be sent or the phone number is wrong.",
        "SMS jo'natib bo'lmadi yoki telefon raqam noto'g'ri.",
        "Не удалось отправить SMS или номер указан неверно.",
    ),
    "invalid_otp": Message(
        "Invalid OTP code",
        "SMS kodi noto'g'ri.",
        "Неверный SMS-код.",
    ),
    "otp_expired": Message(
        "OTP has expired",
        "SMS kodining amal qilish muddati tugagan.",
        "Срок действия SMS-кода истёк.",
    ),
    "invalid_referral_code": Message(
        "Invalid waiter referral code",
        "Ofitsiantning referal kodi noto'g'ri.",
        "Неверный реферальный код официанта.",
    ),
    "user_exists": Message(
        "A user with this phone number already exists.",
        "Bu telefon raqamda foydalanuvchi mavjud.",
        "Такой номер телефона уже зарегистрирован.",
    ),
    "user_not_registered": Message(
        "No user with this phone number. Please create an account.",
        "Bu raqam orqali foydalanuvchi topilmadi, iltimos akkaunt yarating.",
        "По этому номеру пользователь не найден, пожалуйста, создайте аккаунт.",
    ),
    "referral_code_generation_failed": Message(
        "Failed to generate unique referral code",
        "Unikal referal kodini yaratib bo'lmadi.",
        "Не удалось сгенерировать уникальный реферальный код.",
    ),
    "rate_limited": Message(
        "Too many requests. Try again in {N} minutes.",
        "Ko'p so'rov jonatildi, {N} daqiqadan keyin yana urinib ko'ring.",
        "Отправлено слишком много запросов, попробуйте снова через {N} минут.",
    ),
    "otp_attempts_exceeded": Message(
        "Too many wrong attempts. Request a new code.",
        "Urinishlar soni tugadi. Yangi SMS kod so'rang.",
        "Превышено число попыток. Запросите новый SMS-код.",
    ),
    "account_inactive": Message(
        "This account is blocked. Please contact the restaurant.",
        "Hisobingiz bloklangan. Restoran ma'muriyatiga murojaat qiling.",
        "Ваш аккаунт заблокирован. Обратитесь к администрации ресторана.",
    ),
    "referral_code_taken": Message(
        "This referral code is already in use.",
        "Bu referal kod allaqachon band.",
        "Этот реферальный код уже занят.",
    ),
    "email_taken": Message(
        "This e-mail address is already in use.",
        "Bu elektron pochta manzili allaqachon ishlatilmoqda.",
        "Этот адрес электронной почты уже используется.",
    ),
    "invalid_phone": Message(
        "The phone number must be in the format +998XXXXXXXXX.",
        "Telefon raqami +998XXXXXXXXX formatida bo'lishi kerak.",
        "Номер телефона должен быть в формате +998XXXXXXXXX.",
    ),
    "invalid_date": Message(
        "The date must be in the format dd.mm.yyyy or yyyy-mm-dd.",
        "Sana dd.mm.yyyy yoki yyyy-mm-dd formatida bo'lishi kerak.",
        "Дата должна быть в формате дд.мм.гггг или гггг-мм-дд.",
    ),
    "invalid_email": Message(
        "The e-mail address is not valid.",
        "Elektron pochta manzili noto'g'ri.",
        "Некорректный адрес электронной почты.",
    ),
    "name_required": Message(
        "Please enter a name.",
        "Iltimos, ismingizni kiriting.",
        "Пожалуйста, укажите имя.",
    ),
    "file_too_large": Message(
        "The file is too large.",
        "Fayl hajmi juda katta.",
        "Файл слишком большой.",
    ),
    "category_name_taken": Message(
        "A category with this name already exists.",
        "Bunday nomli kategoriya allaqachon mavjud.",
        "Категория с таким названием уже существует.",
    ),
    "category_has_products": Message(
        "A category that still has products cannot be deleted.",
        "Mahsulotlari bor kategoriyani o'chirib bo'lmaydi.",
        "Нельзя удалить категорию, в которой есть товары.",
    ),
    "idempotency_key_reused": Message(
        "This idempotency key was already used for a different request.",
        "Bu so'rov kaliti boshqa ma'lumotlar bilan ishlatilgan.",
        "Этот ключ идемпотентности уже использован с другими данными.",
    ),
    "cannot_delete_self": Message(
        "You cannot delete, deactivate or demote your own account.",
        "O'z hisobingizni o'chira, bloklay yoki rolini pasaytira olmaysiz.",
        "Нельзя удалить, заблокировать или понизить в роли собственную учётную запись.",
    ),
    "not_found": Message(
        "Not found",
        "Topilmadi.",
        "Не найдено.",
    ),
    "method_not_allowed": Message(
        "Method not allowed",
        "Bu usulga ruxsat berilmagan.",
        "Метод не поддерживается.",
    ),
    "service_unavailable": Message(
        "External service is temporarily unavailable.",
        "Tashqi xizmat vaqtincha ishlamayapti.",
        "Внешний сервис временно недоступен.",
    ),
    "server_error": Message(
        "Internal server error",
        "Serverda xatolik yuz berdi. Keyinroq urinib ko'ring.",
        "Внутренняя ошибка сервера. Попробуйте позже.",
    ),
}


def message_texts(code: str, **values: object) -> dict[str, str]:
    """Return the `{"uz", "ru", "en"}` texts of `code`, with `{N}` filled in."""
    row = MESSAGES[code]
    texts = {"uz": row.uz, "ru": row.ru, "en": row.en}
    for key, value in values.items():
        texts = {
            lang: text.replace("{" + key + "}", str(value))
            for lang, text in texts.items()
        }
    return texts
