import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoices.fapiao import (
    USCC_CHARS,
    TinKind,
    TinProblem,
    check_tin,
    normalize_id,
    uscc_check_char,
)

VALID_USCC = [
    "91110000600037341L",
    "91350200776049653A",
    "91330106MACKX4QG41",
    "12100000707137123P",
    "914400007556190127",
]
PILOT_CODES = {"91350100M0001TGQXM": "1", "91350211M0000XUF46": "R"}


def test_it_computes_the_worked_example_check_character():
    assert uscc_check_char("91110000600037341") == "L"


@pytest.mark.parametrize("tin", VALID_USCC)
def test_it_accepts_the_valid_samples(tin):
    check = check_tin(tin)
    assert (check.kind, check.problem, check.tin) == (TinKind.USCC, None, tin)


@pytest.mark.parametrize(("tin", "expected"), PILOT_CODES.items())
def test_it_warns_on_the_pilot_codes_that_fail_the_checksum(tin, expected):
    check = check_tin(tin)
    assert check.kind is TinKind.USCC_BAD_CHECK
    assert check.accepted and check.needs_confirmation
    assert check.expected_check == expected


@pytest.mark.parametrize(
    "raw",
    [
        "91110000600037341l",
        " 9111 0000 6000 3734 1L ",
        "９１１１００００６０００３７３４１Ｌ",
        "91110000600037341L\x00",
    ],
)
def test_it_normalises_case_spaces_and_full_width(raw):
    check = check_tin(raw)
    assert check.tin == "91110000600037341L"
    assert check.kind is TinKind.USCC


@pytest.mark.parametrize("raw", ["9", "9111000060003734", "9111000060003734119", "911100006000373411L22"])
def test_it_rejects_wrong_lengths(raw):
    check = check_tin(raw)
    assert (check.kind, check.problem) == (TinKind.INVALID, TinProblem.LENGTH)
    assert not check.accepted


def test_it_rejects_an_empty_tin():
    assert check_tin("  ").problem is TinProblem.EMPTY


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z", "-", "*"])
def test_it_rejects_characters_outside_the_uscc_alphabet(bad):
    check = check_tin("9111000060003734" + bad + "L")
    assert (check.kind, check.problem) == (TinKind.INVALID, TinProblem.ALPHABET)


def test_it_requires_digits_for_the_area_code():
    check = check_tin("91A10000600037341L")
    assert (check.kind, check.problem) == (TinKind.INVALID, TinProblem.LAYOUT)


@pytest.mark.parametrize("tin", ["110108700000123", "11010870000012345", "11010819800101123X01"])
def test_it_accepts_legacy_lengths_with_a_warning(tin):
    check = check_tin(tin)
    assert (check.kind, check.problem) == (TinKind.LEGACY, TinProblem.LEGACY_FORMAT)
    assert check.accepted and not check.needs_confirmation


def test_it_rejects_punctuation_in_a_legacy_length():
    check = check_tin("110108-00000123")
    assert (check.kind, check.problem) == (TinKind.INVALID, TinProblem.ALPHABET)


USCC_CHAR = st.sampled_from(USCC_CHARS)
DIGIT = st.sampled_from("0123456789")
FIRST_17 = st.tuples(
    st.lists(USCC_CHAR, min_size=2, max_size=2),
    st.lists(DIGIT, min_size=6, max_size=6),
    st.lists(USCC_CHAR, min_size=9, max_size=9),
).map(lambda parts: "".join(c for part in parts for c in part))


@given(FIRST_17)
def test_a_generated_uscc_validates(first17):
    assert check_tin(first17 + uscc_check_char(first17)).kind is TinKind.USCC


@given(FIRST_17, st.integers(min_value=0, max_value=17), USCC_CHAR)
def test_any_single_substitution_is_caught(first17, position, replacement):
    tin = first17 + uscc_check_char(first17)
    changed = tin[:position] + replacement + tin[position + 1 :]
    if changed != tin:
        assert check_tin(changed).kind is not TinKind.USCC


@given(st.text(max_size=30))
def test_normalising_twice_changes_nothing(raw):
    once = normalize_id(raw)
    assert normalize_id(once) == once
