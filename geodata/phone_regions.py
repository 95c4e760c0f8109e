"""The admin-1 regions that the North American phone numbers of a text are in.

A local story gives its tip line, its box office or its sheriff's number; the area code says
which state or province the story is about when its town's name is shared by a dozen states
("Millbrook", "Fairview"). The geoparser reads these regions as evidence for such names
(:func:`geodata.geoparse._phone_region_pass`); a phone number is never reported as a place.

Why ``phonenumbers`` (the Python port of Google's libphonenumber) rather than an area-code
table of our own: it is maintained with the numbering plan and names the place of each
exchange ("Millbrook, NY"), not only of each area code. Toll-free and non-geographic numbers
have no place and give nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from geodata.gazetteer import strip_accents

#: A North American number as news prints it: "(845) 677-0000", "845-677-0000", "845.677.0000".
#: The definition; :func:`national_numbers` finds the same numbers faster.
PHONE_PATTERN = re.compile(
    r"(?<![0-9])(?:\([0-9]{3}\) ?|[0-9]{3}[-.])[0-9]{3}[-.][0-9]{4}(?![0-9])"
)
#: A number's last seven digits: found first, because a pattern that starts with a character
#: class scans text three times faster than :data:`PHONE_PATTERN` does.
_TAIL = re.compile(r"[0-9]{3}[-.][0-9]{4}(?![0-9])")
#: The area code right before a tail: "(845) " or "845-".
_AREA = re.compile(r"(?:\(([0-9]{3})\) ?|([0-9]{3})[-.])\Z")

_DIGITS = frozenset("0123456789")

#: The countries of the North American numbering plan whose regions the gazetteer holds.
_NANP_COUNTRIES = frozenset({"USA", "CAN"})


def region_table(
    admin1_country: Mapping[str, str],
    admin1_iso: Mapping[str, str],
    admin1_names: Mapping[str, str],
) -> dict[str, str]:
    """Region ids of the United States and Canada by postal code ("TX", "ON") and by name
    ("Texas", "Ontario"): how ``phonenumbers`` names the place of a number."""
    table: dict[str, str] = {}
    for region, country in admin1_country.items():
        if country not in _NANP_COUNTRIES:
            continue
        name = admin1_names.get(region)
        if name:
            table[name] = region
            # "Québec" in Natural Earth may be "Quebec" in the number's description
            table.setdefault(strip_accents(name), region)
        iso = admin1_iso.get(region, "")
        if len(iso) > 3 and iso[2] == "-":
            table.setdefault(iso[3:], region)
    return table


def national_numbers(text: str) -> set[str]:
    """The ten digits of each number :data:`PHONE_PATTERN` finds in ``text``."""
    numbers: set[str] = set()
    for tail in _TAIL.finditer(text):
        start = tail.start()
        area = _AREA.search(text, max(0, start - 6), start)
        if area is None or (area.start() > 0 and text[area.start() - 1] in _DIGITS):
            continue
        digits = area.group(1) or area.group(2)
        numbers.add(digits + tail.group()[:3] + tail.group()[4:])
    return numbers


def phone_regions(text: str, table: Mapping[str, str]) -> set[str]:
    """The region ids of the geographic North American numbers in ``text``."""
    numbers = national_numbers(text)
    if not numbers:
        return set()
    from phonenumbers import PhoneNumber, geocoder

    regions: set[str] = set()
    for digits in numbers:
        # The place of the number's exchange ("Millbrook, NY", "New York", "Ontario"), or "" for a
        # toll-free number or an area code that does not exist. Built from the digits and read
        # without the library's parsing and validation, which cost five times as much as the
        # lookup (40 µs against 8 µs per number) and add nothing here: an exchange with no
        # place gives no region either way.
        number = PhoneNumber(country_code=1, national_number=int(digits))
        place = geocoder.description_for_valid_number(number, "en")
        region = table.get(place.rsplit(", ", 1)[-1]) if place else None
        if region:
            regions.add(region)
    return regions
