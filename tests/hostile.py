"""A corpus of hostile strings for every user-editable field and socket payload.

Each must be stored and shown back as the same plain text, never executed, never a 500.
MARK is in every string that is not mere noise, so a page or export can be searched for it.
"""

MARK = "HOSTILE"

SCRIPT = f"<script>alert('{MARK}-script')</script>"
IMG_ONERROR = f"<img src=x onerror=\"alert('{MARK}-img')\">"
SVG_ONLOAD = f"<svg/onload=alert('{MARK}-svg')>"
ATTRIBUTE_BREAK = f'" autofocus onfocus="alert(\'{MARK}-attr\')" x="'
JAVASCRIPT_URL = f"javascript:alert('{MARK}-url')"
LINK = f"<a href=\"javascript:alert('{MARK}-link')\">{MARK} click</a>"
IFRAME = f"<iframe srcdoc=\"<script>parent.alert('{MARK}-iframe')</script>\"></iframe>"
STYLE = f"<style>body{{display:none}}</style>{MARK}-style"
JINJA = f"{{{{7*7}}}} {{{{ config }}}} {{% for x in range(3) %}}{MARK}{{% endfor %}}"
JINJA_RCE = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
SQL = f"'; DROP TABLE users; -- {MARK}"
SQL_UNION = f'" OR 1=1 UNION SELECT password_hash FROM users -- {MARK}'  # noqa: S608 - a hostile input
CONTROL = f"{MARK}\x00nul\x07bell\x08\x1b[31mred\x1b[0m\r\ncrlf\ttab\x7f"
RTL = f"{MARK} \u202etxt.exe\u202c \u2066isolate\u2069 \u200bzero\u200dwidth"
EMOJI = f"{MARK} 👨‍👩‍👧‍👦 🏳️‍🌈 🇬🇧 \U0001f9d2🏽 ẞ ǅ ﷽"
CSV_FORMULA = f'=HYPERLINK("http://evil.example","{MARK}")'
MARKDOWN = f"[{MARK}](javascript:alert(1)) ![x](http://evil.example/x.png) <b>bold</b>"
NEWLINES = f"{MARK}\nBEGIN:VEVENT\nSUMMARY:injected\nEND:VEVENT"
LONG = MARK + "A" * 5000

CORPUS = [
    SCRIPT,
    IMG_ONERROR,
    SVG_ONLOAD,
    ATTRIBUTE_BREAK,
    JAVASCRIPT_URL,
    LINK,
    IFRAME,
    STYLE,
    JINJA,
    JINJA_RCE,
    SQL,
    SQL_UNION,
    CONTROL,
    RTL,
    EMOJI,
    CSV_FORMULA,
    MARKDOWN,
    NEWLINES,
    LONG,
]

# One string holding most of the corpus, for fields that take a single short value.
SHORT = f"{SCRIPT}{IMG_ONERROR} {JINJA} {SQL} \u202e{MARK}\u202c 👨‍👩‍👧"


def within(limit: int, text: str) -> str:
    """The text cut to a field's length limit (so the hostile part is what is tested, not the limit)."""
    return text[:limit]
