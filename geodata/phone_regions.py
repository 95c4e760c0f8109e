"""The admin-1 regions that the North American phone numbers of a text are in.

A local story gives its tip line, its box office or its sheriff's number; the area code says
which state or province the story is about when its town's name is shared by a dozen states
("Athens", "Arlington"). The geoparser reads these regions as evidence for such names
(:func:`geodata.geoparse._phone_region_pass`); a phone number is never reported as a place.

Why ``phonenumbers`` (the Python port of Google's libphonenumber) rather than an area-code
table of our own: it is maintained with the numbering plan, validates a number before it is
read, and names the place of each exchange ("Athens, TX"), not only of each area code. Toll-free
and non-geographic numbers have no place and give nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: A North American number as news prints it: "(903) 675-8477", "903-675-8477", "903.675.8477".
#: Checked before anything is parsed, so that a text without one costs a single scan.
PHONE_PATTERN = re.compile(r"(?<!\d)(?:\(\d{3}\) ?|\d{3}[-.])\d{3}[-.]\d{4}(?!\d)")

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
        iso = admin1_iso.get(region, "")
        if len(iso) > 3 and iso[2] == "-":
            table.setdefault(iso[3:], region)
    return table


def phone_regions(text: str, table: Mapping[str, str]) -> set[str]:
    """The region ids of the valid, geographic North American numbers in ``text``."""
    found = PHONE_PATTERN.findall(text)
    if not found:
        return set()
    import phonenumbers
    from phonenumbers import geocoder

    regions: set[str] = set()
    for raw in set(found):  # a directory page repeats its numbers
        try:
            number = phonenumbers.parse(raw, "US")
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            continue
        place = geocoder.description_for_number(number, "en")
        # "Athens, TX", "Texas", "Ontario"; empty for toll-free numbers
        region = table.get(place.rsplit(", ", 1)[-1]) if place else None
        if region:
            regions.add(region)
    return regions
