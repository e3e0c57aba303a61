"""What the public pages tell a visitor before he writes: the topics, and the texts we ship.

Each path of the public site has its topics: the man who wants to stop fighting reads what
happens next, how to make contact safely, what not to carry or say, and how long a reply
takes; a family reads what we can and cannot tell them, who may ask, and how we verify them.
The default texts below are translated like every other string (locale/); an organisation
that words a topic its own way in a language stores that text (models.Guidance), and an
empty one brings the default back. The defaults promise nothing the system does not do:
replies come through the receipt, a family's answer waits for a verified enquirer and a
second person's approval (DESIGN.md), and only counts are ever published.

A text is plain: paragraphs split by an empty line; a paragraph whose lines all start with
"- " is a list, and with "1. ", "2. " a numbered one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

SURRENDER = "surrender"
FAMILY = "family"


@dataclass(frozen=True)
class Topic:
    key: str
    path: str  # SURRENDER or FAMILY: the page that shows it
    heading: Promise
    default: Promise


TOPICS: tuple[Topic, ...] = (
    Topic(
        "surrender_next",
        SURRENDER,
        _("What happens next"),
        _(
            "1. Someone from our team reads your message and replies. You read the reply on "
            "the status page with your receipt; if you wrote by Telegram, e-mail or phone, we "
            "answer there.\n"
            "2. We may ask you a few questions, to understand where you are and what you "
            "need. Answer only what you can answer safely.\n"
            "3. We explain the ways open to you, such as being held as a prisoner of war, "
            "exchange, or staying in safety, and what each of them means.\n"
            "4. If you decide to go ahead, we agree with you, step by step, how and where to "
            "reach safety. Do not move before we have agreed it.\n\n"
            "We cannot promise any outcome: what is possible depends on where you are and on "
            "the authorities who decide. We will tell you honestly what we know."
        ),
    ),
    Topic(
        "surrender_contact",
        SURRENDER,
        _("How to make contact safely"),
        _(
            "- If you can, use a phone or computer that no one else checks. A private window "
            "leaves less behind: close it when you are done.\n"
            "- You do not have to give your name, unit or position in your first message.\n"
            "- Write the reference and the secret code of your receipt on paper. Do not keep a "
            "screenshot or a photo of them.\n"
            "- If your phone may be searched, delete our messages and clear the browser's "
            "history.\n"
            "- If you cannot write safely now, wait: your receipt keeps working."
        ),
    ),
    Topic(
        "surrender_careful",
        SURRENDER,
        _("What not to carry or say"),
        _(
            "- Do not carry printouts or notes of our messages, and do not save our contacts "
            "under a name that gives them away.\n"
            "- Do not tell anyone around you that you are in contact with us, and do not "
            "share your plans or your receipt in chats or groups.\n"
            "- When you go to the place we agreed, follow exactly what we agreed with you, "
            "including what to do with weapons."
        ),
    ),
    Topic(
        "surrender_time",
        SURRENDER,
        _("How long a reply takes"),
        _(
            "Our team reads messages by day and by night, but at busy times a reply takes "
            "longer, and a full answer may need several messages back and forth. Check the "
            "status page with your receipt. If you got a receipt, your message reached us: "
            "you do not need to send it again."
        ),
    ),
    Topic(
        "family_tell",
        FAMILY,
        _("What we can and cannot tell you"),
        _(
            "We look for the person you name in the records the information bureau keeps of "
            "people who are captured, held, missing or dead. The search is private: no one "
            "else learns that you asked.\n\n"
            "- We can tell you what our records say about him, for example that he is held as "
            "a prisoner of war, in hospital, exchanged or dead, and how sure that "
            "information is.\n"
            "- We tell you nothing about him before we have checked that you are his family, "
            "and a second member of our team checks every answer before it is sent.\n"
            "- Our records may hold nothing about him yet. Then we say so, and we check again "
            "whenever new information arrives.\n"
            "- We publish only counts, never anything about a person."
        ),
    ),
    Topic(
        "family_who",
        FAMILY,
        _("Who may ask"),
        _(
            "Anyone may write to us about a person who is missing. We give information about "
            "a person only to his close family: a wife or husband, a parent, a child, a "
            "brother or sister. If you are another relative or a friend, write to us anyway: "
            "what you know may help us find him."
        ),
    ),
    Topic(
        "family_verify",
        FAMILY,
        _("What we will ask to verify you"),
        _(
            "Before we tell you anything, we check that you are who you say you are and that "
            "you are his family. We may:\n\n"
            "- call you back, or write to you, on the contact you give us;\n"
            "- ask you things that only his family would know;\n"
            "- ask to see your identity document, and a document that shows how you are "
            "related, such as a birth or marriage certificate.\n\n"
            "We never ask for money, and we never ask for the secret code of your receipt."
        ),
    ),
)
TOPIC_KEYS = tuple(topic.key for topic in TOPICS)
_BY_KEY = {topic.key: topic for topic in TOPICS}


def topic_get(key: str) -> Topic:
    return _BY_KEY[key]


def topics_for(path: str) -> tuple[Topic, ...]:
    return tuple(topic for topic in TOPICS if topic.path == path)


def default_text(key: str, language: str) -> str:
    """The text the project ships for topic `key`, in `language`."""
    with override(language):
        return str(_BY_KEY[key].default)


def text_normalise(text: str) -> str:
    """As stored and compared: line ends made "\\n", spaces at the ends of lines dropped."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


_BULLET = re.compile(r"^- +")
_NUMBER = re.compile(r"^\d{1,2}\. +")


def _paragraph(block: str) -> SafeString:
    lines = block.split("\n")
    for marker, tag in ((_BULLET, "ul"), (_NUMBER, "ol")):
        if all(marker.match(line) for line in lines):
            items = format_html_join("", "<li>{}</li>", ((marker.sub("", ln),) for ln in lines))
            return format_html("<{}>{}</{}>", mark_safe(tag), items, mark_safe(tag))  # noqa: S308
    body = mark_safe("<br>".join(str(format_html("{}", line)) for line in lines))  # noqa: S308
    return format_html("<p>{}</p>", body)


def text_html(text: str) -> SafeString:
    """A guidance text as HTML: paragraphs and lists, every character of the text escaped."""
    blocks = [b for b in re.split(r"\n\s*\n", text_normalise(text)) if b.strip()]
    return mark_safe("\n".join(_paragraph(block) for block in blocks))  # noqa: S308
