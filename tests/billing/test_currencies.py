"""The ISO 4217 table shipped in the repository: minor units are ISO's own, not CLDR's."""

from __future__ import annotations

from babel.numbers import get_currency_precision

from portal.billing import exponent, parse_amount
from portal.billing.currencies import TABLE, active_currencies, currencies, table_published
from portal.forms import currency_choices
from portal.templating import money


def test_minor_units_come_from_iso_4217() -> None:
    assert table_published() == "2026-01-01" and TABLE.name == "iso4217-list-one.xml"
    expected = {
        "EUR": 2,
        "COP": 2,
        "HUF": 2,
        "CLP": 0,
        "ISK": 0,
        "JPY": 0,
        "IQD": 3,
        "KWD": 3,
        "LAK": 2,
        "MGA": 2,
        "UYW": 4,
        "CLF": 4,
        "KZT": 2,
        "VND": 0,
    }
    assert {code: exponent(code) for code in expected} == expected
    # where CLDR (Babel) disagrees, ISO wins
    assert get_currency_precision("IQD") != exponent("IQD")


def test_every_active_code_is_offered_and_non_money_codes_are_not() -> None:
    offered = {code for code, _label in currency_choices()}
    assert len(offered) >= 150 and {"CLP", "COP", "HUF", "IQD", "UYU", "XOF", "ZWG"} <= offered
    assert not offered & {"XAU", "XXX", "XTS", "XDR", "BGN", "ANG"}
    assert offered == {c.code for c in active_currencies()}
    assert dict(currency_choices())["COP"] == "COP · Colombian Peso (2 decimals)"
    assert dict(currency_choices())["CLP"] == "CLP · Chilean Peso (no decimals)"


def test_withdrawn_codes_still_compute_but_are_not_offered() -> None:
    assert exponent("BGN") == 2 and not currencies()["BGN"].active


def test_amounts_show_with_the_iso_minor_unit() -> None:
    assert money(123456, "IQD") == "IQD123.456"
    assert money(12345, "COP") == "COP123.45"
    assert money(1500, "CLP") == "CLP1,500"
    assert money(750, "EUR") == "€7.50"
    assert money(750, "EUR", places=3) == "€0.750"  # an invoice's frozen minor unit wins
    assert parse_amount("1500", "CLP") == 1500 and parse_amount("1.5", "COP") == 150
