"""Words a person reads on a map: incident types in plain English, counts with their plural.

The stored incident types are identifiers (``armed_attack``); pages, popups and images show
``armed attack``. The names live with the types in ``geodata/data/incident_types.json``, the
one table the extractor and the API's labels read too; the HTML island and the PNG use them.
"""

from __future__ import annotations

from geodata.incidents import load_tables


def _type_names() -> dict[str, str]:
    """Plain-English names of the incident types, from the incident-type table itself."""
    return {kind.type: kind.name for kind in load_tables().types}


#: Plain-English names of the incident types (``name`` in geodata/data/incident_types.json).
INCIDENT_TYPE_NAMES: dict[str, str] = _type_names()

#: Plurals that adding "s" gets wrong.
_IRREGULAR = {"fatality": "fatalities", "casualty": "casualties", "person": "people"}


def incident_type_name(incident_type: str) -> str:
    """``armed_attack`` -> ``armed attack``; an unknown type loses its underscores."""
    return INCIDENT_TYPE_NAMES.get(incident_type, incident_type.replace("_", " "))


def counted(count: int, word: str) -> str:
    """``1 incident``, ``2 incidents``, ``3 fatalities``: a count with the right form.

    >>> counted(1, "incident"), counted(0, "fatality")
    ('1 incident', '0 fatalities')
    """
    if count == 1:
        return f"1 {word}"
    return f"{count} {_IRREGULAR.get(word, word + 's')}"
