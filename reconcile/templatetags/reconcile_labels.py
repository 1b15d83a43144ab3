from django import template

from reconcile.messages import ACTION_LABELS, CATEGORY_HELP, CATEGORY_LABELS, FLAG_LABELS, LAYOUT_LABELS

register = template.Library()


@register.filter
def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category)


@register.filter
def category_help(category: str) -> str:
    return CATEGORY_HELP.get(category, "")


@register.filter
def flag_label(flag: str) -> str:
    return FLAG_LABELS.get(flag, flag)


@register.filter
def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


@register.filter
def layout_label(layout: str) -> str:
    return LAYOUT_LABELS.get(layout, layout)
