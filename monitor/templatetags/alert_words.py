from django import template

from monitor.messages import sentence, title

register = template.Library()


@register.filter
def alert_title(anomaly) -> str:
    return title(anomaly)


@register.filter
def alert_sentence(anomaly) -> str:
    return sentence(anomaly)
