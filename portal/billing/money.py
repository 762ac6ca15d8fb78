"""Money: integer minor units, ISO 4217 exponents and the one rounding rule.

Amounts are stored and exchanged as ``int`` minor units (cents) plus an ISO 4217
code.  Computation is exact: ``Decimal`` built from ``str``/``int`` at the edges,
``Fraction`` inside proration (a month's length in seconds makes most quotients
non-terminating decimals, and a truncated quotient could flip a half-up tie).

``ROUNDING`` is the single rounding rule of the engine.  Every conversion of an
exact value to whole minor units goes through :func:`round_minor`, which applies
that constant; the engine calls it once per invoice line (and once for tax).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Final

from .currencies import currencies
from .errors import AmountTooLarge, InvalidAmount, NegativeAmount, TooManyDecimals, UnknownCurrency

#: The one rounding rule: ties go away from zero (0.5 -> 1, 2.5 -> 3).
ROUNDING: Final = ROUND_HALF_UP

#: Largest amount in minor units (fits a signed 64-bit database column).
MAX_MINOR: Final = 2**63 - 1

#: Minor-unit exponent per ISO 4217 code (EUR 2 -> cents, JPY 0, KWD 3), from the ISO 4217
#: table itself (see :mod:`.currencies`), not from CLDR.
EXPONENTS: Final[dict[str, int]] = {code: c.minor_units for code, c in currencies().items()}

_DIGITS = frozenset("0123456789")


def exponent(currency: str) -> int:
    """Return the number of decimals of ``currency`` (``"EUR"`` -> 2).

    Raises :class:`UnknownCurrency` for codes outside the table (codes are
    upper-case, as ISO 4217 spells them).
    """
    try:
        return EXPONENTS[currency]
    except (KeyError, TypeError):
        raise UnknownCurrency(str(currency)) from None


def round_minor(value: Fraction | Decimal | int) -> int:
    """Round an exact amount of minor units to a whole number with ``ROUNDING``.

    Exact for every input: a ``Fraction`` is reduced to its integer part plus a
    proxy fraction (0.25, 0.5 or 0.75) that keeps its position relative to the
    half, so the decimal module applies ``ROUNDING`` to an exact value.
    """
    if isinstance(value, Decimal):
        return _quantize(value)
    exact = Fraction(value)
    return _round_ratio(exact.numerator, exact.denominator)


def _round_ratio(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` (denominator > 0) rounded with ``ROUNDING``, exactly."""
    whole, rest = divmod(numerator, denominator)
    if rest == 0:
        return whole
    if ROUNDING == ROUND_HALF_UP and numerator >= 0:  # the common case, in integers only
        return whole + 1 if 2 * rest >= denominator else whole
    twice = 2 * rest
    hundredths = 50 if twice == denominator else (25 if twice < denominator else 75)
    return _quantize(Decimal(f"{whole * 100 + hundredths}E-2"))  # built from text: exact


def _quantize(value: Decimal) -> int:
    """``value`` to a whole number with ``ROUNDING``, with precision for any size."""
    with localcontext() as context:
        context.prec = max(28, value.adjusted() + 4)
        return int(value.quantize(Decimal(1), rounding=ROUNDING))


def to_minor(amount: Decimal | int, currency: str) -> int:
    """Convert an amount in major units (``Decimal("12.34")``) to minor units (1234).

    Extra decimals are rounded with ``ROUNDING``; use :func:`parse_amount` for
    user input, which rejects them instead.
    """
    if not isinstance(amount, (Decimal, int)) or isinstance(amount, bool):
        raise InvalidAmount(repr(amount))
    if isinstance(amount, Decimal) and not amount.is_finite():
        raise InvalidAmount(str(amount))
    return round_minor(Decimal(amount).scaleb(exponent(currency)))


def from_minor(minor: int, currency: str) -> Decimal:
    """Convert minor units to a ``Decimal`` in major units (1234, EUR -> 12.34)."""
    places = exponent(currency)
    sign, digits, _ = Decimal(minor).as_tuple()
    return Decimal((sign, digits, -places)) if places else Decimal(minor)


def fraction_to_decimal(value: Fraction, places: int) -> Decimal:
    """Show an exact ``Fraction`` as a ``Decimal`` with ``places`` decimals.

    For display only (camera-days, exact amounts in an annex): money totals are
    computed from the ``Fraction``, never from this view.
    """
    return ratio_to_decimal(value.numerator, value.denominator, places)


def ratio_to_decimal(numerator: int, denominator: int, places: int) -> Decimal:
    """:func:`fraction_to_decimal` of ``numerator / denominator`` (denominator > 0), in integers."""
    scaled = _round_ratio(numerator * 10**places, denominator)
    sign, digits, _ = Decimal(scaled).as_tuple()
    return Decimal((sign, digits, -places))


def format_plain(minor: int, currency: str) -> str:
    """Format minor units as a plain, locale-free string: ``"12.34 EUR"``.

    Templates use Babel for people; this is for logs, CSV and tests.
    """
    return f"{from_minor(minor, currency)} {currency}"


def parse_amount(text: str, currency: str) -> int:
    """Parse a user-typed price such as ``"12.50"`` into minor units (1250).

    Accepted: digits, optionally a dot and 1..exponent digits, surrounding
    blanks ignored.  Rejected with a typed error: anything else (letters,
    ``"1e3"``, ``"1,50"``, ``"NaN"``, a bare dot) -> :class:`InvalidAmount`;
    a leading minus -> :class:`NegativeAmount`; more decimals than the
    currency has (``"1.005"`` EUR, ``"1.0"`` JPY) -> :class:`TooManyDecimals`;
    more than a 64-bit column holds -> :class:`AmountTooLarge`.
    """
    places = exponent(currency)
    if not isinstance(text, str):
        raise InvalidAmount(repr(text))
    cleaned = text.strip()
    negative = cleaned.startswith("-")
    body = cleaned[1:] if negative else cleaned
    whole, dot, decimals = body.partition(".")
    if not whole or not _DIGITS.issuperset(whole):
        raise InvalidAmount(text)
    if dot and (not decimals or not _DIGITS.issuperset(decimals)):
        raise InvalidAmount(text)
    if negative:
        raise NegativeAmount(text)
    if len(decimals) > places:
        raise TooManyDecimals(text, currency, places)
    if len(whole.lstrip("0")) > 19:
        raise AmountTooLarge(text)
    minor: int = int(whole) * 10**places + int(decimals.ljust(places, "0") or "0")
    if minor > MAX_MINOR:
        raise AmountTooLarge(text)
    return minor


def sum_ratios(parts: dict[int, int]) -> Fraction:
    """The exact sum of ``numerator / denominator`` over ``{denominator: numerator}``."""
    if len(parts) == 1:
        ((den, num),) = parts.items()
        return Fraction(num, den)
    return sum((Fraction(num, den) for den, num in parts.items()), Fraction(0))
