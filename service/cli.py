"""The ``riskmap`` command line.

Each sub-command is a small handler function (some in their own ``cli_*`` module); errors the
user can fix (a missing file, a bad mapping) end with one readable line on stderr and a
non-zero exit.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from geodata.errors import GeodataError
from service import cli_batch, cli_geoparse, cli_ingest, cli_map
from service.progress import Steps
from service.settings import Settings


def _cmd_data_build(args: argparse.Namespace, settings: Settings) -> int:
    """Build (or check) the boundary cache and the gazetteer, then check which geoparser runs.

    Each step prints what it does and its time on stderr (a cold world build takes minutes);
    the results go to stdout.
    """
    from geodata.boundaries import build_cache
    from geodata.gazetteer import gazetteer_path, load_gazetteer
    from geodata.geoparse import compiled_core_available, geoparse

    steps = Steps(total=3)
    source = settings.boundary_source_object()
    with steps.step("boundaries", f"building the {source.key} cache, or checking it") as step:
        boundaries, built = build_cache(source, settings.data_dir, force=args.force, progress=step)
        step.outcome = "built" if built else "up to date"
    counts = boundaries.counts()
    print(
        f"boundaries {step.outcome}: {counts['admin0']} admin-0, {counts['admin1']} admin-1, "
        f"{counts['borders']} borders in {boundaries.cache_dir}",
        flush=True,  # in order with the step lines on stderr, also through a pipe
    )
    assert boundaries.cache_dir is not None
    # The gazetteer is derived from the boundaries; building it here keeps start-up fast.
    pickle_path = gazetteer_path(boundaries.cache_dir)
    before = _modified(pickle_path)
    with steps.step("gazetteer", "loading it, or building it from boundaries and GeoNames") as step:
        gazetteer = load_gazetteer(boundaries.cache_dir, boundaries=boundaries)
        step.outcome = "up to date" if _modified(pickle_path) == before else "built"
    gazetteer_counts = gazetteer.counts()
    places = ", ".join(f"{n} {kind}" for kind, n in gazetteer_counts.items() if kind != "names")
    print(f"gazetteer ready: {gazetteer_counts['names']} names for {places}", flush=True)
    with steps.step("geoparser", "reading a test sentence") as step:
        geoparse("Flooding closed roads between Kabul and Mazar-i-Sharif.", gazetteer)
        step.outcome = "compiled core" if compiled_core_available() else "Python reference"
    print(f"geoparser: {_geoparser_line()}", flush=True)
    return 0


def _modified(path: Path) -> int | None:
    """The file's modification time in ns, or None when it does not exist."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _geoparser_line() -> str:
    """Which geoparser runs, and how to get the compiled core when it does not."""
    from geodata.geoparse import compiled_core_available

    if compiled_core_available():
        return "compiled core (riskmap_geocore)"
    return (
        "Python reference (same mentions, slower; the compiled core is not installed: "
        "install cargo and run `make core`)"
    )


def _cmd_data_info(args: argparse.Namespace, settings: Settings) -> int:
    from geodata.boundaries import cache_dir_for, load_cache

    source = settings.boundary_source_object()
    boundaries = load_cache(cache_dir_for(settings.data_dir, source.key))
    meta = boundaries.metadata
    info = {
        "source": meta["source"]["name"],
        "version": meta["source"]["version"],
        "licence": meta["source"]["licence"],
        "files": meta["source"]["files"],
        "counts": boundaries.counts(),
        "build": meta.get("build", {}),
        "built_at": meta.get("built_at"),
        "cache": str(boundaries.cache_dir),
    }
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        counts = info["counts"]
        print(f"source   {info['source']} {info['version']}")
        print(f"licence  {info['licence']}")
        for path, checksum in meta["source"]["files"].items():
            print(f"file     {path} sha256:{checksum}")
        print(
            f"counts   admin-0 {counts['admin0']}, admin-1 {counts['admin1']}, "
            f"borders {counts['borders']}, adjacent admin-1 pairs {counts['adjacent_admin1_pairs']}"
        )
        print(f"repairs  {json.dumps(info['build'])}")
        print(f"cache    {info['cache']}")
    return 0


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for ``riskmap serve``.

    ``X-Forwarded-For`` is believed only from the proxies in ``RISKMAP_FORWARDED_ALLOW_IPS``
    (uvicorn's own default trusts 127.0.0.1, so a client could name itself ``localhost``);
    after SIGTERM, requests get ``RISKMAP_SHUTDOWN_TIMEOUT`` seconds, then are cancelled.
    """
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": ",".join(settings.forwarded_allow_ips),
        "timeout_graceful_shutdown": settings.shutdown_timeout,
    }


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from service.app import create_app

    settings = settings.model_copy(update={"host": args.host, "port": args.port})
    uvicorn.run(create_app(settings), **server_options(settings))
    return 0


Handler = Callable[[argparse.Namespace, Settings], int]


def riskmap_version() -> str:
    """The installed package's version (the checkout's pyproject when run from source)."""
    try:
        return importlib.metadata.version("riskmap")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="riskmap",
        description="Geocode news articles, score the threat per region and border, and serve "
        "or draw the maps. Settings come from RISKMAP_ environment variables (see the README).",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"riskmap {riskmap_version()}",
        help="print the version and exit",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data = commands.add_parser(
        "data", help="build or describe the boundary data", description="Boundary data."
    )
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="COMMAND")
    build = data_commands.add_parser(
        "build",
        help="build the boundary cache and gazetteer (idempotent)",
        description="Build (or check) the boundary cache and the gazetteer, then check which "
        "geoparser runs.",
    )
    build.add_argument("--force", action="store_true", help="rebuild even if up to date")
    build.set_defaults(handler=_cmd_data_build)
    info = data_commands.add_parser(
        "info", help="what boundary data is cached", description="What boundary data is cached."
    )
    info.add_argument("--json", action="store_true", help="machine-readable output")
    info.set_defaults(handler=_cmd_data_info)

    serve = commands.add_parser(
        "serve",
        help="serve the API and maps",
        description="Serve the HTTP API, the OGC API - Features and the map pages.",
    )
    serve.add_argument(
        "--host", default=None, help="address to listen on (default RISKMAP_HOST, 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, default=None, help="port to listen on (default RISKMAP_PORT, 8000)"
    )
    serve.set_defaults(handler=_cmd_serve)

    cli_ingest.register(commands)
    cli_batch.register(commands)

    cli_geoparse.register(commands)
    cli_map.register(commands)
    return parser


def _settings_problems(exc: ValidationError) -> str:
    """Each invalid setting as ``RISKMAP_NAME: what is wrong``, all on one line."""
    problems = []
    for error in exc.errors():
        field_path = "_".join(str(part) for part in error["loc"]).upper()
        name = f"RISKMAP_{field_path}" if field_path else "settings"
        problems.append(f"{name}: {error['msg']}")
    return "; ".join(problems)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings()
        if getattr(args, "host", None) is None and args.command == "serve":
            args.host = settings.host
        if getattr(args, "port", None) is None and args.command == "serve":
            args.port = settings.port
        handler: Handler = args.handler
        return handler(args, settings)
    except ValidationError as exc:  # a bad RISKMAP_ variable: pydantic's text spans lines
        print(f"riskmap: error: {_settings_problems(exc)}", file=sys.stderr)
        return 1
    except (GeodataError, ValueError, OSError) as exc:
        print(f"riskmap: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
