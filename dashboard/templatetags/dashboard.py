from django import template

register = template.Library()


@register.filter
def chart_rows(chart) -> list[dict]:
    """A chart's figures as table rows: per category, each series' value and the list behind it."""
    return [
        {
            "category": category,
            "cells": [{"value": one.values[index], "url": one.links[index]} for one in chart.series],
        }
        for index, category in enumerate(chart.categories)
    ]
