"""Replaying an invoice's audit events gives the state the trail vouches for (invoices/chained_state.py)."""

from invoices.chained_state import Difference, compare, differences, replay

DEFAULTS = {"amount": None, "remarks": "", "is_red": False, "status": "normal", "lines": []}
LINE = {"item_name": "*纸制品*打印纸", "amount": "1000.00", "tax": "130.00"}


def test_the_create_event_sets_what_it_names_and_the_rest_keeps_its_default():
    replayed = replay([(1, "create", {"amount": [None, "1000.00"], "lines": [None, [LINE]]})], DEFAULTS)
    assert replayed.state == {**DEFAULTS, "amount": "1000.00", "lines": [LINE]}
    assert replayed.differences == []


def test_later_events_apply_their_new_values_and_fields_that_are_not_state_pass_by():
    events = [
        (1, "create", {"amount": [None, "1000.00"]}),
        (4, "update", {"amount": ["1000.00", "900.00"], "blue_original": [None, "26352000000012345678"]}),
        (9, "status", {"status": ["normal", "red_flushed_full"], "red_invoices": ["26352000000022222222"]}),
    ]
    replayed = replay(events, DEFAULTS)
    assert replayed.state == {**DEFAULTS, "amount": "900.00", "status": "red_flushed_full"}
    assert replayed.differences == []


def test_an_old_value_the_trail_did_not_leave_is_a_difference_found_by_that_event():
    events = [
        (1, "create", {"amount": [None, "1000.00"]}),
        (5, "update", {"remarks": ["改过", "合同 A-17"], "amount": ["1000.00", "1100.00"]}),
    ]
    replayed = replay(events, DEFAULTS)
    assert replayed.differences == [Difference("remarks", "", "改过", seq=5)]
    assert replayed.state["remarks"] == "合同 A-17"


def test_a_trail_that_does_not_begin_with_the_creation_vouches_for_nothing():
    replayed = replay([(3, "update", {"amount": ["1000.00", "900.00"]})], DEFAULTS)
    assert (replayed.state, replayed.differences) == (None, [])
    assert replay([], DEFAULTS).state is None


def test_lines_differ_field_by_field_and_a_missing_or_extra_line_whole():
    other = {**LINE, "item_name": "*运输服务*运费"}
    assert compare("lines", [LINE], [{**LINE, "tax": "117.00", "amount": "900.00"}]) == [
        Difference("lines[1].amount", "1000.00", "900.00"),
        Difference("lines[1].tax", "130.00", "117.00"),
    ]
    assert compare("lines", [LINE, other], [LINE]) == [Difference("lines[2]", other, None)]
    assert compare("lines", [], [other]) == [Difference("lines[1]", None, other)]


def test_differences_follow_the_order_of_the_chained_fields():
    chained = {**DEFAULTS, "amount": "1000.00", "remarks": "甲"}
    stored = {**DEFAULTS, "remarks": "乙", "amount": "900.00"}
    assert differences(chained, stored) == [
        Difference("amount", "1000.00", "900.00"),
        Difference("remarks", "甲", "乙"),
    ]
    assert differences(chained, dict(chained)) == []
