import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parents[1] / "locale/zh_Hans/LC_MESSAGES/django.po"


def entries() -> list[str]:
    """The catalogue's entries after the header, each with its comments, msgid and msgstr."""
    return PO.read_text(encoding="utf-8").split("\n\n")[1:]


def translated_text(entry: str) -> str:
    return "".join(re.findall(r'"(.*)"', entry.split("\nmsgstr", 1)[1]))


def test_every_message_has_a_chinese_translation():
    assert not [entry for entry in entries() if not translated_text(entry)]


def test_no_translation_is_left_fuzzy():
    assert not [entry for entry in entries() if "#, fuzzy" in entry]


def test_the_compiled_catalog_is_loaded():
    with translation.override("zh-hans"):
        assert translation.gettext("Fapiao Desk") == "发票台"
