"""The demo's organisation: a plainly fictional bureau, so the pages say who runs the line."""

from __future__ import annotations

from django.db import transaction

from lifeline.organisation.models import TEXTS, THE_ROW, Organisation
from lifeline.organisation.selectors import organisation_cache_forget
from lifeline.organisation.services import phones_clean, telegram_bot_clean

TEXTS_DEMO = {
    "name_ru": "Информационное бюро «Нортбридж» (демо)",
    "name_uk": "Інформаційне бюро «Нортбрідж» (демо)",
    "name_en": "Northbridge Information Bureau (demo)",
    "operated_by_ru": "Гуманитарное общество «Пример», вымышленная организация",
    "operated_by_uk": "Гуманітарне товариство «Приклад», вигадана організація",
    "operated_by_en": "The Example Humanitarian Society, a fictional organisation",
    "about_ru": (
        "Мы — нейтральное информационное бюро. Мы помогаем тем, кто хочет выйти из боя живым, "
        "и ищем пленных, пропавших и погибших для их семей. Мы не передаём ваши сообщения "
        "ни одной из сторон конфликта."
    ),
    "about_uk": (
        "Ми — нейтральне інформаційне бюро. Ми допомагаємо тим, хто хоче вийти з бою живим, "
        "і шукаємо полонених, зниклих і загиблих для їхніх родин. Ми не передаємо ваші "
        "повідомлення жодній зі сторін конфлікту."
    ),
    "about_en": (
        "We are a neutral information bureau. We help those who want to leave the fighting "
        "alive, and we search for the captured, the missing and the dead for their families. "
        "We pass your messages to no party to the conflict."
    ),
    "hours_ru": "Круглосуточно, без выходных",
    "hours_uk": "Цілодобово, без вихідних",
    "hours_en": "Around the clock, every day",
}
# A username Telegram does not give out (they start with a letter), so the demo's link can
# lead to nobody's real account; an address of a domain reserved for examples (RFC 2606);
# numbers reserved for fiction (Ofcom's drama range, the North American 555-01xx).
BOT_DEMO = "_northbridge_demo_bot"
EMAIL_DEMO = "hotline@example.org"
PHONES_DEMO = (("+44 20 7946 0123", ""), ("+1 202 555 0143", "WhatsApp"))


def organisation_fill() -> bool:
    """Fill the organisation's settings unless someone has set any; True when filled."""
    row, _created = Organisation.objects.get_or_create(pk=THE_ROW)
    if any(row.text(name, lang) for name in TEXTS for lang in ("ru", "uk", "en")):
        return False
    for field, value in TEXTS_DEMO.items():
        setattr(row, field, value)
    row.telegram_bot = telegram_bot_clean(BOT_DEMO)
    row.email = EMAIL_DEMO
    row.phones = phones_clean(PHONES_DEMO)
    row.save()
    transaction.on_commit(organisation_cache_forget)
    return True
