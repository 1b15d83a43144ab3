from django import template

from monitor import messages
from monitor.messages import sentence, title

register = template.Library()


@register.filter
def alert_title(anomaly) -> str:
    return title(anomaly)


@register.filter
def alert_sentence(anomaly) -> str:
    return sentence(anomaly)


@register.filter
def event_words(event) -> str:
    return messages.event_words(event)
