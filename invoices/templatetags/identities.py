from django import template

from invoices.identity_words import identity_words as words

register = template.Library()


@register.filter
def identity_words(identity: str) -> str:
    """An identity as a person reads it (invoices/identity_words.py)."""
    return words(identity)
