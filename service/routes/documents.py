"""``/documents``: ingest articles (single or batch) and read back what was found in them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool

from geodata.errors import NotFound
from service.dependencies import get_reader, get_settings, get_store, require_writer
from service.errors import InvalidParameter, PayloadTooLarge, UnsupportedMediaType
from service.pipeline import Reader
from service.settings import Settings
from service.storage import NewDocument, Store

router = APIRouter(tags=["documents"])


class DocumentIn(BaseModel):
    """A news article to ingest."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    text: str = Field(min_length=1, description="the article text (UTF-8)")
    published: dt.date | None = Field(None, description="publication date, YYYY-MM-DD")
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

    def to_new_document(self) -> NewDocument:
        return NewDocument(self.text, self.published, self.source, self.url, self.language)


async def _read_body(request: Request, limit: int, what: str) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` (never buffered whole)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"{what} is {int(declared):,} bytes; the limit is {limit:,}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"{what} is over the limit of {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "application/json").split(";")[0].strip().lower()


def _json_lines(body: bytes) -> list[Any]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidParameter(f"body is not valid UTF-8 (byte {exc.start})") from exc
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InvalidParameter(f"line {number} is not valid JSON ({exc.msg})") from exc
    return items


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


def _ingest(reader: Reader, store: Store, document: DocumentIn) -> tuple[dict[str, Any], bool]:
    new = document.to_new_document()
    reading = reader.read(new)
    result = store.ingest(new, reading.mentions, reading.incidents)
    body = {
        "id": result.id,
        "created": result.created,
        "mentions": [
            {**m.as_dict(), "role": r.role}
            for m, r in zip(reading.mentions, reading.incidents.roles, strict=True)
        ],
        "incidents": [i.as_dict() for i in reading.incidents.incidents],
    }
    return body, result.created


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidParameter("body is not valid UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise InvalidParameter(f"body is not valid JSON ({exc.msg} at line {exc.lineno})") from exc


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
) -> JSONResponse:
    content_type = _content_type(request)
    if content_type not in ("application/json", "text/json"):
        raise UnsupportedMediaType(f"send application/json, not {content_type!r}")
    body = await _read_body(request, settings.max_document_bytes + 4096, "the request body")
    document = _validated(_parse_json(body), "body", settings.max_document_bytes)
    payload, created = await run_in_threadpool(_ingest, reader, store, document)
    return JSONResponse(payload, status_code=201 if created else 200)


@router.post(
    "/documents/batch",
    dependencies=[Depends(require_writer)],
    summary="Ingest many articles: a JSON array, or JSON Lines (application/x-ndjson)",
    status_code=201,
    responses={200: {"description": "every document was already stored"}},
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
) -> JSONResponse:
    limit = settings.max_document_bytes * settings.max_batch_documents
    content_type = _content_type(request)
    if content_type in ("application/x-ndjson", "application/jsonl", "application/json-lines"):
        items = _json_lines(await _read_body(request, limit, "the batch"))
    elif content_type in ("application/json", "text/json"):
        items = _parse_json(await _read_body(request, limit, "the batch"))
        if not isinstance(items, list):
            raise InvalidParameter("a batch is a JSON array of documents")
    else:
        raise UnsupportedMediaType(
            f"send application/json or application/x-ndjson, not {content_type!r}"
        )
    if not items:
        raise InvalidParameter("the batch is empty")
    if len(items) > settings.max_batch_documents:
        raise PayloadTooLarge(
            f"the batch has {len(items)} documents; the limit is {settings.max_batch_documents}"
        )
    # Validate everything before storing anything: a bad item rejects the whole batch.
    documents = [
        _validated(item, f"item {i}", settings.max_document_bytes) for i, item in enumerate(items)
    ]
    results = []
    created = 0
    for document in documents:
        payload, was_created = await run_in_threadpool(_ingest, reader, store, document)
        created += was_created
        results.append(
            {
                "id": payload["id"],
                "status": "created" if was_created else "duplicate",
                "mentions": len(payload["mentions"]),
                "incidents": len(payload["incidents"]),
            }
        )
    summary = {"created": created, "duplicate": len(results) - created, "documents": results}
    return JSONResponse(summary, status_code=201 if created else 200)


@router.get("/documents/{doc_id}", summary="A stored document with its mentions and incidents")
def get_document(doc_id: str, store: Annotated[Store, Depends(get_store)]) -> dict[str, Any]:
    record = store.document(doc_id)
    if record is None:
        raise NotFound(f"no document {doc_id!r}")
    return record
