"""``/documents``: ingest articles (single or batch) and read back what was found in them.

A single document is all-or-nothing. A batch answers per item by default (``207`` with each
item's status and error when any item fails; the good items are stored), or, with
``?atomic=true``, all-or-nothing: every item validated and read before anything is stored, and
the batch stored in one transaction. Bodies come only with an explicit
JSON media type: a body without one is what another web page can send cross-site without a
CORS preflight (``fetch(url, {mode: "no-cors", body: blob})``), so it is refused with 415.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from geodata.errors import GeodataError, NotFound
from geodata.language import is_supported, normalise_language, unsupported_note
from service.dependencies import (
    get_ingest_workers,
    get_reader,
    get_settings,
    get_store,
    require_writer,
)
from service.errors import (
    STATUS_BY_ERROR,
    InvalidParameter,
    PayloadTooLarge,
    ShuttingDown,
    UnreadableDocument,
    UnsupportedMediaType,
)
from service.pipeline import Reader, Reading
from service.settings import Settings
from service.storage import IngestResult, NewDocument, Store
from service.workers import IngestWorkers

router = APIRouter(tags=["documents"])

JSON_TYPES = ("application/json", "text/json")
JSON_LINES_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines")
#: The earliest accepted ``published`` date; the latest is today plus PUBLISHED_AHEAD.
EARLIEST_PUBLISHED = dt.date(1900, 1, 1)
PUBLISHED_AHEAD = dt.timedelta(days=366)
#: Room for the JSON around a document's text (other members, escapes are counted in the text).
ENVELOPE_BYTES = 4096


class DocumentIn(BaseModel):
    """A news article to ingest."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    text: str = Field(min_length=1, description="the article text (UTF-8)")
    published: dt.date | None = Field(
        None, description="publication date, YYYY-MM-DD, from 1900-01-01 to a year from today"
    )
    source: str | None = Field(None, max_length=200)
    url: str | None = Field(None, max_length=2000)
    language: str | None = Field(None, max_length=16)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is blank")
        return value

    @field_validator("published", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if isinstance(value, str) and len(value) > 10:
            try:
                return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
            except ValueError:
                return value
        return value

    @field_validator("published")
    @classmethod
    def _plausible_date(cls, value: dt.date | None) -> dt.date | None:
        """News from before 1900 or dated over a year ahead is a typo (or an attack on dates)."""
        latest = dt.date.today() + PUBLISHED_AHEAD
        if value is not None and not EARLIEST_PUBLISHED <= value <= latest:
            raise ValueError(f"published must be from {EARLIEST_PUBLISHED} to {latest}")
        return value

    def to_new_document(self) -> NewDocument:
        return NewDocument(self.text, self.published, self.source, self.url, self.language)


def _media_type(request: Request, accepted: tuple[str, ...]) -> str:
    """The request's media type when it is one of ``accepted``; otherwise 415.

    A missing Content-Type is refused too, never taken for JSON (see the module docstring).
    """
    declared = request.headers.get("content-type", "")
    media_type = declared.split(";")[0].strip().lower()
    if media_type not in accepted:
        wanted = " or ".join((accepted[0], *accepted[len(JSON_TYPES) : len(JSON_TYPES) + 1]))
        got = repr(media_type) if media_type else "no Content-Type"
        raise UnsupportedMediaType(f"send Content-Type: {wanted}, not {got}")
    return media_type


def _refuse_declared_size(request: Request, limit: int, what: str) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"{what} is {int(declared):,} bytes; the limit is {limit:,}")


async def _read_body(request: Request, limit: int, what: str) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` (never buffered whole)."""
    _refuse_declared_size(request, limit, what)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"{what} is over the limit of {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_json(body: bytes, where: str = "body") -> Any:
    """Parsed JSON; every way a body can fail to parse is a 400 naming ``where``."""
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidParameter(f"{where} is not valid UTF-8 (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise InvalidParameter(f"{where} is not valid JSON ({exc.msg})") from exc
    except ValueError as exc:  # an integer longer than Python converts (4,300 digits)
        raise InvalidParameter(f"{where} holds a number too long to read") from exc
    except RecursionError as exc:
        raise InvalidParameter(f"{where} is nested too deeply") from exc


async def _lines(chunks: AsyncIterator[bytes], line_limit: int) -> AsyncIterator[bytes]:
    """The lines of a streamed body as they arrive; a line longer than ``line_limit`` is 413."""
    pending = bytearray()
    number = 0
    async for chunk in chunks:
        pending += chunk
        while (end := pending.find(b"\n")) >= 0:
            number += 1
            if end > line_limit:
                raise PayloadTooLarge(f"line {number} is longer than {line_limit:,} bytes")
            yield bytes(pending[:end])
            del pending[: end + 1]
        if len(pending) > line_limit:
            raise PayloadTooLarge(f"line {number + 1} is longer than {line_limit:,} bytes")
    if pending:
        yield bytes(pending)


Item = DocumentIn | GeodataError  # a validated document, or why its item was refused


async def _json_lines_documents(
    request: Request, settings: Settings, atomic: bool = True
) -> list[Item]:
    """Validated documents of a JSON Lines body, parsed line by line as the body arrives.

    Only the validated documents are kept, never the whole body: memory follows the texts,
    and a body past ``max_batch_bytes`` or ``max_batch_documents`` is refused on the spot.
    """
    limit = settings.max_batch_bytes
    _refuse_declared_size(request, limit, "the batch")
    received = 0

    async def counted() -> AsyncIterator[bytes]:
        nonlocal received
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise PayloadTooLarge(f"the batch is over the limit of {limit:,} bytes")
            yield chunk

    documents: list[Item] = []
    line_limit = settings.max_document_bytes + ENVELOPE_BYTES
    number = 0
    async for line in _lines(counted(), line_limit):
        number += 1
        if not line.strip():
            continue
        if len(documents) == settings.max_batch_documents:
            raise PayloadTooLarge(
                f"the batch has over {settings.max_batch_documents} documents, the limit"
            )
        documents.append(
            _item(partial(_parse_json, line, f"line {number}"), f"line {number}", settings, atomic)
        )
    return documents


def _as_is(value: Any) -> Any:
    return value


def _item(parse: Callable[[], Any], position: str, settings: Settings, atomic: bool) -> Item:
    """A validated document; in per-item mode the error instead of raising it."""
    try:
        return _validated(parse(), position, settings.max_document_bytes)
    except (InvalidParameter, PayloadTooLarge) as exc:
        if atomic:
            raise
        return exc


def _validated(item: Any, position: str, limit: int) -> DocumentIn:
    if not isinstance(item, dict):
        raise InvalidParameter(f"{position}: expected a JSON object with a 'text' member")
    try:
        document = DocumentIn.model_validate(item)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidParameter(f"{position}: {details}") from exc
    if len(document.text.encode("utf-8")) > limit:
        raise PayloadTooLarge(f"{position}: text is longer than {limit:,} bytes")
    return document


def read_and_store(
    reader: Reader, store: Store, documents: Sequence[DocumentIn], positions: Sequence[str]
) -> list[tuple[Reading, IngestResult]]:
    """Read every document, then store them all in one transaction (blocking: run on a worker).

    A document the reader cannot make sense of is a 422 naming it, and nothing is stored.
    """
    new_documents = [document.to_new_document() for document in documents]
    readings = []
    for position, new in zip(positions, new_documents, strict=True):
        try:
            readings.append(reader.read(new))
        except (ValueError, OverflowError, RecursionError) as exc:
            raise UnreadableDocument(
                f"{position}: the text could not be read ({type(exc).__name__}); nothing stored"
            ) from exc
    # The stored language is the one the document was read in (declared or detected).
    results = store.ingest_many(
        [
            (replace(new, language=r.language), r.mentions, r.incidents)
            for new, r in zip(new_documents, readings, strict=True)
        ]
    )
    return list(zip(readings, results, strict=True))


def _language_fields(language: str | None, extracted: bool) -> dict[str, Any]:
    """The language a document was read in and, when it has no incident tables, why the
    document has no incidents (never a silent zero)."""
    fields: dict[str, Any] = {"language": language, "incidents_extracted": extracted}
    if not extracted:
        fields["note"] = unsupported_note(language)
    return fields


def _document_body(reading: Reading, result: IngestResult) -> dict[str, Any]:
    return {
        "id": result.id,
        "created": result.created,
        **_language_fields(reading.language, reading.incidents_extracted),
        "mentions": [
            {**m.as_dict(), "role": r.role}
            for m, r in zip(reading.mentions, reading.incidents.roles, strict=True)
        ],
        "incidents": [i.as_dict() for i in reading.incidents.incidents],
    }


@router.post(
    "/documents",
    status_code=201,
    dependencies=[Depends(require_writer)],
    summary="Ingest one article (201 new, 200 already stored)",
    responses={200: {"description": "already stored: the stored document's id"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": DocumentIn.model_json_schema()}},
        }
    },
)
async def create_document(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    reader: Annotated[Reader, Depends(get_reader)],
    store: Annotated[Store, Depends(get_store)],
    workers: Annotated[IngestWorkers, Depends(get_ingest_workers)],
) -> JSONResponse:
    _media_type(request, JSON_TYPES)
    body = await _read_body(request, settings.max_document_bytes + ENVELOPE_BYTES, "the body")
    document = _validated(_parse_json(body), "body", settings.max_document_bytes)
    ((reading, result),) = await workers.run(read_and_store, reader, store, [document], ["body"])
    return JSONResponse(_document_body(reading, result), status_code=201 if result.created else 200)


@router.post(
    "/documents/batch",
    dependencies=[Depends(require_writer)],
    summary="Ingest many articles (JSON array or JSON Lines): per-item results, or ?atomic=true",
    status_code=201,
    responses={
        200: {"description": "every document was already stored"},
        207: {"description": "some items failed: each item's status and error (not atomic)"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        "minItems": 1,
                        "items": DocumentIn.model_json_schema(),
                    }
                },
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
)
async def create_documents(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    reader: Annotated[Reader, Depends(get_reader)],
    store: Annotated[Store, Depends(get_store)],
    workers: Annotated[IngestWorkers, Depends(get_ingest_workers)],
    atomic: Annotated[
        bool,
        Query(description="true: store every document or none (one bad item fails the batch)"),
    ] = False,
) -> JSONResponse:
    media_type = _media_type(request, JSON_TYPES + JSON_LINES_TYPES)
    if media_type in JSON_LINES_TYPES:
        items = await _json_lines_documents(request, settings, atomic)
        positions = [f"document {i}" for i in range(len(items))]
    else:
        body = _parse_json(await _read_body(request, settings.max_batch_bytes, "the batch"))
        if not isinstance(body, list):
            raise InvalidParameter("a batch is a JSON array of documents")
        if len(body) > settings.max_batch_documents:
            raise PayloadTooLarge(
                f"the batch has {len(body)} documents; the limit is {settings.max_batch_documents}"
            )
        positions = [f"item {i}" for i in range(len(body))]
        items = [
            _item(partial(_as_is, value), position, settings, atomic)
            for value, position in zip(body, positions, strict=True)
        ]
    if not items:
        raise InvalidParameter("the batch is empty")
    if atomic:
        documents = [item for item in items if isinstance(item, DocumentIn)]
        stored = await workers.run(read_and_store, reader, store, documents, positions)
        results = [_item_result(i, reading, result) for i, (reading, result) in enumerate(stored)]
    else:
        results = await workers.run(read_and_store_each, reader, store, items, positions)
    created = sum(r["status"] == "created" for r in results)
    failed = sum(r["status"] == "error" for r in results)
    summary = {
        "created": created,
        "duplicate": len(results) - created - failed,
        "failed": failed,
        "documents": results,
    }
    return JSONResponse(summary, status_code=207 if failed else 201 if created else 200)


def _item_result(index: int, reading: Reading, result: IngestResult) -> dict[str, Any]:
    return {
        "index": index,
        "status": "created" if result.created else "duplicate",
        "http_status": 201 if result.created else 200,
        "id": result.id,
        "mentions": len(reading.mentions),
        "incidents": len(reading.incidents.incidents),
        **_language_fields(reading.language, reading.incidents_extracted),
    }


def read_and_store_each(
    reader: Reader, store: Store, items: Sequence[Item], positions: Sequence[str]
) -> list[dict[str, Any]]:
    """Read and store each good item in its own transaction; report every item's outcome.

    An item refused (invalid, too large, unreadable) stores nothing and does not stop the
    others. During a shutdown each item still to store is refused with 503, nothing stored.
    """
    results: list[dict[str, Any]] = []
    for index, (item, position) in enumerate(zip(items, positions, strict=True)):
        if isinstance(item, DocumentIn):
            try:
                ((reading, result),) = read_and_store(reader, store, [item], [position])
                results.append(_item_result(index, reading, result))
                continue
            except (UnreadableDocument, ShuttingDown) as exc:
                item = exc
        status = next(
            (code for kind, code in STATUS_BY_ERROR.items() if isinstance(item, kind)), 400
        )
        results.append(
            {"index": index, "status": "error", "http_status": status, "error": str(item)}
        )
    return results


@router.get("/documents/{doc_id}", summary="A stored document with its mentions and incidents")
def get_document(doc_id: str, store: Annotated[Store, Depends(get_store)]) -> dict[str, Any]:
    record = store.document(doc_id)
    if record is None:
        raise NotFound(f"no document {doc_id!r}")
    language = normalise_language(record.get("language"))
    # Rows stored before languages were recorded have none; their incidents were read.
    extracted = is_supported(language) or (language is None and bool(record["incidents"]))
    return {**record, **_language_fields(language, extracted)}
