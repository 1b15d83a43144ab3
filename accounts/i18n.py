from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils import translation

BOTH_LANGUAGES = ("zh-hans", "en")


def in_both_languages(render: Callable[[], str]) -> str:
    """A message in Chinese and in English, for output that has no reader's language to follow
    (the command line, logs)."""
    texts = []
    for language in BOTH_LANGUAGES:
        with translation.override(language):
            text = str(render())
        if text not in texts:
            texts.append(text)
    return " / ".join(texts)


def error_in_both_languages(error: ValidationError) -> str:
    return in_both_languages(lambda: "; ".join(error.messages))
