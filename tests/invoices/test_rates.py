from decimal import Decimal, InvalidOperation

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoices.rates import rate_percent, typed_rate


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("0.13", "13%"),
        ("0.09", "9%"),
        ("0.015", "1.5%"),
        ("0.005", "0.5%"),
        ("0", "0%"),
        ("免税", "免税"),
        ("", ""),
    ],
)
def test_it_shows_a_stored_rate_as_a_percentage(stored, shown):
    assert rate_percent(stored) == shown


@pytest.mark.parametrize(
    ("typed", "rate"),
    [("13%", "0.13"), ("13", "0.13"), ("0.13", "0.13"), ("1.5%", "0.015"), ("1", "0.01"), ("0", "0")],
)
def test_it_reads_a_typed_rate(typed, rate):
    assert typed_rate(typed) == Decimal(rate)


@pytest.mark.parametrize("typed", ["abc", "NaN", "Infinity", "%"])
def test_it_refuses_what_is_not_a_rate(typed):
    with pytest.raises(InvalidOperation):
        typed_rate(typed)


@given(st.decimals(min_value=0, max_value=Decimal("0.999"), places=3))
def test_a_shown_rate_reads_back_as_itself(rate):
    assert typed_rate(rate_percent(format(rate, "f"))) == rate
