"""Real-looking identities: Chinese names, mobile numbers, plates of the dealer's city, valid VINs."""

from __future__ import annotations

import itertools
import random

from . import data
from .sampling import Draw, Weighted

_SURNAMES = Weighted(data.SURNAMES, [1.0 / (1 + i * 0.08) for i in range(len(data.SURNAMES))])
# Plates and VINs never use I or O (VINs also avoid Q).
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "0123456789"
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7, "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# ISO 3779 model-year codes (the 10th character), 2010 = A, cycling every 30 years.
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
WMI = "LHY"  # world manufacturer identifier of the (fictional) carmaker: L = China


def vin_check_digit(vin_without_check: str) -> str:
    """The 9th character of a VIN (North-American / Chinese GB 16735 practice)."""
    total = 0
    for i, char in enumerate(vin_without_check):
        if i == 8:
            continue
        total += _VIN_VALUES[char] * _VIN_WEIGHTS[i]
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def vin_is_valid(vin: str) -> bool:
    return (
        len(vin) == 17
        and all(c in _VIN_CHARS for c in vin)
        and vin_check_digit(vin) == vin[8]
    )


class Identities:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.draw = Draw(rng)
        self._plates: set[str] = set()  # membership only, never iterated
        self._phones: set[str] = set()
        self._serial = itertools.count(100001)

    def person(self, gender: str | None = None) -> tuple[str, str, str]:
        """(surname, given name, gender) of a person."""
        draw = self.draw
        gender = gender or ("female" if draw.random() < 0.36 else "male")
        surname = draw.weighted(_SURNAMES)
        chars = data.GIVEN_FEMALE if gender == "female" else data.GIVEN_MALE
        given = draw.pick(chars) + (draw.pick(chars) if draw.random() < 0.7 else "")
        return surname, given, gender

    def phone(self) -> str:
        draw = self.draw
        while True:
            number = draw.pick(data.MOBILE_PREFIXES) + f"{draw.between(0, 10**8):08d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def plate(self, prefix: str, *, nev: bool, plugin: bool = False) -> str:
        """浙A3K7Q2 (blue plate, 5 characters) or 浙AD12345 (green NEV plate: D electric, F plug-in)."""
        draw = self.draw
        while True:
            if nev:
                plate = prefix + ("F" if plugin else "D") + f"{draw.between(0, 10**5):05d}"
            else:
                chars = [
                    draw.pick(_PLATE_LETTERS) if (i < 2 and draw.random() < 0.3) else draw.pick(_DIGITS)
                    for i in range(5)
                ]
                plate = prefix + "".join(chars)
            if plate not in self._plates:
                self._plates.add(plate)
                return plate

    def vin(self, model_code: str, model_year: int) -> str:
        """WMI + descriptor + check digit + model year + plant + serial: 17 characters, no I/O/Q."""
        serial = next(self._serial)
        plant = "HNK"[serial % 3]
        body = f"{WMI}{model_code}0{_YEAR_CODES[(model_year - 2010) % 30]}{plant}{serial:06d}"
        return body[:8] + vin_check_digit(body) + body[9:]

    def company(self, city: str, *, fleet: bool) -> str:
        rng = self.rng
        business = rng.choice(data.FLEET_BUSINESSES if fleet else data.ENTERPRISE_BUSINESSES)
        return f"{city}{rng.choice(data.COMPANY_WORDS)}{business}"
