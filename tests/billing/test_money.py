"""Money parsing, conversion and the one rounding rule."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.billing import (
    ROUNDING,
    AmountTooLarge,
    InvalidAmount,
    NegativeAmount,
    TooManyDecimals,
    UnknownCurrency,
    exponent,
    format_plain,
    from_minor,
    parse_amount,
    round_minor,
    to_minor,
)


def test_rounding_constant_is_half_up() -> None:
    assert ROUNDING == ROUND_HALF_UP


@pytest.mark.parametrize(("currency", "places"), [("EUR", 2), ("USD", 2), ("JPY", 0), ("KWD", 3), ("RUB", 2)])
def test_exponents(currency: str, places: int) -> None:
    assert exponent(currency) == places


def test_unknown_currency() -> None:
    with pytest.raises(UnknownCurrency):
        exponent("XYZ")
    with pytest.raises(UnknownCurrency):
        parse_amount("1", "eur")  # ISO codes are upper-case


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.50", "EUR", 1250),
        ("12.5", "EUR", 1250),
        ("12", "EUR", 1200),
        (" 0.01 ", "EUR", 1),
        ("0", "EUR", 0),
        ("007.00", "EUR", 700),
        ("1500", "JPY", 1500),
        ("1.234", "KWD", 1234),
    ],
)
def test_parse_accepts(text: str, currency: str, minor: int) -> None:
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency"), [("1.005", "EUR"), ("1.000", "EUR"), ("1.0", "JPY"), ("5.1", "JPY"), ("1.2345", "KWD")]
)
def test_parse_rejects_more_decimals_than_the_currency_has(text: str, currency: str) -> None:
    with pytest.raises(TooManyDecimals) as caught:
        parse_amount(text, currency)
    assert caught.value.allowed == exponent(currency)


@pytest.mark.parametrize("text", ["-1", "-0.01", " -5.00", "-0"])
def test_parse_rejects_negatives(text: str) -> None:
    with pytest.raises(NegativeAmount):
        parse_amount(text, "EUR")


@pytest.mark.parametrize(
    "text",
    ["", "  ", "abc", "1e3", "1,50", "1.2.3", ".5", "5.", "+5", "NaN", "Infinity", "1_000", "١٢", "12 EUR", "--1", "-"],
)
def test_parse_rejects_non_numbers(text: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_amount(text, "EUR")


def test_parse_rejects_non_strings_and_huge_amounts() -> None:
    with pytest.raises(InvalidAmount):
        parse_amount(12, "EUR")  # type: ignore[arg-type]
    with pytest.raises(AmountTooLarge):
        parse_amount("92233720368547758.08", "EUR")
    assert parse_amount("92233720368547758.07", "EUR") == 2**63 - 1
    with pytest.raises(AmountTooLarge):
        parse_amount("1" * 40, "EUR")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(1, 2), 1),
        (Fraction(3, 2), 2),
        (Fraction(5, 2), 3),
        (Fraction(249, 100), 2),
        (Fraction(251, 100), 3),
        (Fraction(-1, 2), -1),
        (Fraction(-3, 4), -1),
        (Fraction(-1, 4), 0),
        (Decimal("2.5"), 3),
        (Decimal("2.4999"), 2),
        (7, 7),
        (Fraction(0), 0),
    ],
)
def test_round_minor_half_up(value: Fraction | Decimal | int, expected: int) -> None:
    assert round_minor(value) == expected


@given(st.fractions(max_denominator=10**7))
def test_round_minor_matches_exact_half_up(value: Fraction) -> None:
    expected = (value + Fraction(1, 2)).__floor__() if value >= 0 else -((-value + Fraction(1, 2)).__floor__())
    assert round_minor(value) == expected
    assert abs(round_minor(value) - value) <= Fraction(1, 2)


def test_to_and_from_minor() -> None:
    assert to_minor(Decimal("12.34"), "EUR") == 1234
    assert to_minor(Decimal("12.345"), "EUR") == 1235  # half-up
    assert to_minor(Decimal("1500"), "JPY") == 1500
    assert to_minor(3, "EUR") == 300
    assert from_minor(1234, "EUR") == Decimal("12.34")
    assert str(from_minor(5, "EUR")) == "0.05"
    assert str(from_minor(1234, "KWD")) == "1.234"
    assert from_minor(1500, "JPY") == Decimal(1500)
    assert format_plain(1250, "EUR") == "12.50 EUR"
    with pytest.raises(InvalidAmount):
        to_minor(Decimal("NaN"), "EUR")


@given(st.integers(min_value=0, max_value=2**63 - 1), st.sampled_from(["EUR", "JPY", "KWD"]))
def test_minor_round_trip(minor: int, currency: str) -> None:
    assert to_minor(from_minor(minor, currency), currency) == minor
    assert parse_amount(str(from_minor(minor, currency)), currency) == minor
