"""riskmap's compiled geoparser core (geodata/core/src/lib.rs); used by geodata.geoparse."""

from collections.abc import Callable, Sequence
from typing import Any

class Core:
    def __init__(
        self,
        patterns: list[tuple[str, int]],
        key_length: Sequence[int],
        key_bits: bytes,
        entry_start: Sequence[int],
        entry_place: Sequence[int],
        entry_flags: bytes,
        place_kind: list[int],
        place_country: list[int],
        place_admin1: list[int],
        place_population: Sequence[int],
        neighbours: list[list[int]],
        connectors: list[str],
        words: dict[str, list[str]],
        region_ids: list[str] | None = None,
        region_country: list[int] | None = None,
    ) -> None: ...
    def parse(
        self, text: str, other: list[tuple[int, int, int]] | None, min_confidence: float
    ) -> list[tuple[int, int, int, float, int]] | None: ...
    def parse_mentions(
        self,
        text: str,
        other: list[tuple[int, int, int]] | None,
        min_confidence: float,
        mention_type: type[Any],
        template_of: Callable[[int, int], tuple[Any, ...] | None],
    ) -> list[Any] | None: ...
    def parse_document(
        self,
        text: str,
        other: list[tuple[int, int, int]] | None,
        min_confidence: float,
        mention_type: type[Any],
        template_of: Callable[[int, int], tuple[Any, ...] | None],
    ) -> tuple[list[Any], bool] | None: ...
