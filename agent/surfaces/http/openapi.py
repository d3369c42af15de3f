"""The API's OpenAPI 3.1 document, generated from the routes and their typed bodies.

Each route declares its contract where it is defined: its request body (``json_body`` /
``multipart_body``, from the pydantic models of ``agent.surfaces.http.bodies``), whether it needs
the bearer token (``PROTECTED``) and every status it can answer (``answers``), with the error
schema and the headers that go with them (``WWW-Authenticate`` on 401, ``Retry-After`` on 429).
``document`` then adds what only the running server knows: the prompt length limit, the
profiles and backends it offers and each backend's client options. ``serve`` answers it on
``/openapi.json``; ``python -m agent.surfaces.http.document`` prints it for the default
settings, which is what ``docs/openapi.json`` holds.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from agent.context import Settings
from agent.surfaces import fields
from agent.surfaces.http.bodies import GenerationBody, RunBody

SCHEMAS = "#/components/schemas/"
BODIES: tuple[type[BaseModel], ...] = (GenerationBody, RunBody)
"""The JSON bodies, kept in the components (the multipart one is inline, with its files)."""
PROTECTED: dict[str, Any] = {"security": [{"bearer": []}]}
SIGNED_LINK = {"type": "apiKey", "in": "query", "name": "signature",
               "description": "A signed link's signature (with its 'expires'), as response_format=url and the run "
                              "summaries hand out: it stands for the owner's token, for that file, until it expires."}
"""``openapi_extra`` of a route that needs the token (when the server has tokens)."""

_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "OpenAI's error shape: every answer other than success.",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["message", "type", "param", "code"],
        "properties": {
            "message": {"type": "string", "description": "One line saying what was wrong and what to do."},
            "type": {"type": "string", "enum": ["invalid_request_error", "rate_limit_exceeded", "server_error"]},
            "param": {"type": ["string", "null"], "description": "The field at fault, where one is."},
            "code": {"type": ["string", "null"]},
        },
    }},
}

_STATUS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("A field is missing or wrong (`param` names it), or the prompt was refused by the content policy.", {}),
    401: ("A server with tokens needs `Authorization: Bearer <token>`: none, or a wrong one, was sent.",
          {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}}),
    403: ("A server without tokens serves loopback clients only.", {}),
    404: ("No such run or file for this caller (someone else's looks the same).", {}),
    413: ("The request body is larger than the server's limit (LIMNER_SERVER_MAX_BODY_MB).", {}),
    415: ("The body is not of a media type this route reads.", {}),
    422: ("Well formed, but the backend cannot carry out this edit (e.g. the sketch backend only edits text, "
          "a masked recolour, crops and extensions), or the mask selects nothing.", {}),
    429: ("This caller already has the most runs waiting that the server allows; retry later.",
          {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}),
    500: ("The run failed on the server (the server log has the details).", {}),
    502: ("The backend could not make a single image (the server log has the details).", {}),
}


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """FastAPI ``responses`` for the error statuses a route can answer."""
    result: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        description, headers = _STATUS[status]
        entry: dict[str, Any] = {"description": description,
                                 "content": {"application/json": {"schema": {"$ref": f"{SCHEMAS}Error"}}}}
        if headers:
            entry["headers"] = headers
        result[status] = entry
    return result


def json_response(schema: dict[str, Any], description: str, example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"description": description, "content": {"application/json": media}}


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads ``model`` as its JSON body."""
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": f"{SCHEMAS}{model.__name__}"}}}}}


def multipart_body(model: type[BaseModel], files: dict[str, dict[str, Any]], required: list[str]) -> dict[str, Any]:
    """``openapi_extra`` for a multipart route: ``model``'s text fields plus the files. A form has
    no null: an optional field is one left out."""
    schema = _inline(model)
    # No examples here: a file's content cannot be one, and a tool that fills the gap with its own
    # smallest file (1x1 pixels) would send an image this API refuses.
    schema["properties"] = {**files, **{name: {key: value for key, value in _without_null(field).items()
                                               if key != "examples"}
                                        for name, field in schema.get("properties", {}).items()}}
    schema["required"] = sorted(set(schema.get("required", [])) | set(required))
    image_types = "image/png, image/jpeg, image/webp"
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {
        "schema": schema, "encoding": {name: {"contentType": image_types} for name in files}}}}}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional field's schema as a form field, query parameter or header has it: no null
    branch and no ``null`` default (there, optional means absent)."""
    schema = dict(schema)
    branches = [branch for branch in schema.get("anyOf", []) if branch.get("type") != "null"]
    if "anyOf" in schema and len(branches) == 1:
        del schema["anyOf"]
        schema = {**branches[0], **schema}
    if "default" in schema and schema["default"] is None:
        del schema["default"]
    return schema


def _inline(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=SCHEMAS + "{model}")
    schema.pop("title", None)
    return schema


def document(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """The whole document for ``app`` serving with ``settings``."""
    spec = get_openapi(title="limner", version=app.version, openapi_version="3.1.0", routes=app.routes,
                       description=_DESCRIPTION)
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422 bodies: this API never sends them
        schemas.pop(name, None)
    schemas["Error"] = _ERROR_SCHEMA
    for model in BODIES:
        schema = _inline(model)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    _offer(spec, settings)
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer",
                   "description": "A token from LIMNER_SERVER_TOKENS. A server without tokens serves loopback "
                                  "clients without one."},
        "signedLink": SIGNED_LINK,
    }
    for path in spec["paths"].values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _without_null(parameter["schema"])
            responses = operation.get("responses", {})
            if "422" in responses and "$ref" in str(responses["422"]) and "HTTPValidationError" in str(responses["422"]):
                del responses["422"]
    return spec


def _offer(spec: dict[str, Any], settings: Settings) -> None:
    """What this server takes: its prompt limit, its profiles and backends, their options."""
    schemas = spec["components"]["schemas"]
    profiles = fields.offered_profiles(settings)
    backends = fields.offered_backends(settings)
    for name in ("GenerationBody", "RunBody"):
        schemas[name]["properties"]["prompt"]["maxLength"] = settings.max_prompt_chars
    models = ["", *fields.offered_models(settings)]  # "": what Open WebUI sends for edits, the default
    generation, run = schemas["GenerationBody"]["properties"], schemas["RunBody"]["properties"]
    generation["model"] = _nullable({**_string_of(generation["model"]), "enum": models})
    run["profile"] = _nullable({**_string_of(run["profile"]), "enum": profiles})
    schemas["RunBody"]["properties"]["backend"] = _nullable({**_string_of(schemas["RunBody"]["properties"]["backend"]),
                                                             "enum": backends})
    edit = spec["paths"]["/v1/images/edits"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    edit["properties"]["prompt"]["maxLength"] = settings.max_prompt_chars
    edit["properties"]["model"] = {**_string_of(edit["properties"]["model"]), "enum": models}
    _run_variants(schemas, backends)


def _string_of(schema: dict[str, Any]) -> dict[str, Any]:
    """The string branch of an optional field's ``anyOf``."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "string":
            kept = {key: value for key, value in branch.items() if key not in ("maxLength",)}
            if "description" in schema and "description" not in kept:
                kept["description"] = schema["description"]
            return kept
    return {"type": "string"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    description = schema.pop("description", None)
    result: dict[str, Any] = {"anyOf": [schema, {"type": "null"}]}
    if description:
        result["description"] = description
    return result


def _run_variants(schemas: dict[str, Any], backends: list[str]) -> None:
    """``options`` belong to the backend named beside them: RunBody becomes one variant per
    backend that takes client options, and one (options empty) for the rest or none named."""
    base = schemas["RunBody"]
    plain = [name for name in backends if fields.client_options(name).get("maxProperties") == 0]
    variants = []
    for name in backends:
        if name in plain:
            continue
        variant = copy.deepcopy(base)
        options = fields.client_options(name)
        schemas.update({key: value for key, value in options.pop("$defs", {}).items()})
        variant["properties"]["backend"] = {"const": name}
        variant["properties"]["options"] = {**options, "description": f"Options of the {name} backend."}
        variant["required"] = sorted({*variant.get("required", []), "backend"})
        variant.pop("examples", None)
        variant["title"] = f"RunBody ({name})"
        variants.append(variant)
    rest = copy.deepcopy(base)
    rest["properties"]["backend"] = _nullable({"type": "string", "enum": plain,
                                               "description": "The image backend (default: the profile's, else the "
                                                              "server's). Options need it named."}) if plain else {"type": "null"}
    rest["properties"]["options"] = {"type": "object", "maxProperties": 0,
                                     "description": "Backend options: only with a backend that takes some, named in "
                                                    "'backend'."}
    if not variants:
        schemas["RunBody"] = rest
        return
    rest["title"] = "RunBody (no options)"
    schemas["RunBody"] = {"title": "RunBody", "description": base.get("description"),
                          "examples": base.get("examples"), "anyOf": [rest, *variants]}


_DESCRIPTION = """\
limner's HTTP API: OpenAI Images–compatible endpoints (the `openai` client works unchanged) and
native runs with every option and their progress as server-sent events.

Every error is OpenAI's `{"error": {"message", "type", "param", "code"}}` with the status its kind
calls for: 400 for a field the client got wrong (`param` names it), 401 without a valid token,
422 for an edit the backend cannot carry out, 429 when the caller's queue is full; 5xx only for
the server's own faults. A server with tokens (LIMNER_SERVER_TOKENS) needs
`Authorization: Bearer <token>` on every route but `/health` and signed file links; one without
tokens serves loopback clients only.
"""


# ---- what the routes answer on success ----------------------------------------------------------

_ERROR_OF_RUN = {"anyOf": [{"type": "null"}, {
    "type": "object", "required": ["type", "message"],
    "properties": {"type": {"type": "string", "enum": ["invalid_request_error", "server_error"]},
                   "message": {"type": "string"}}}]}
_RUN_FIELDS: dict[str, Any] = {
    "id": {"type": "string", "description": "The run id (sortable: UTC time, then random hex)."},
    "object": {"const": "run"},
    "status": {"type": "string", "enum": ["queued", "running", "done", "refused", "failed"]},
    "owner": {"type": "string", "description": "The token's name ('local' on a server without tokens)."},
    "created": {"type": "number"},
    "started": {"type": ["number", "null"]},
    "finished": {"type": ["number", "null"]},
    "events": {"type": "integer", "minimum": 0, "description": "Progress events so far."},
    "error": _ERROR_OF_RUN,
}
RUN = {"type": "object", "required": [*_RUN_FIELDS, "events_url"], "properties": {
    **_RUN_FIELDS,
    "events_url": {"type": "string", "description": "Its server-sent events."},
    "summary": {"type": "object", "description": "Once finished: images (signed links), verdicts, repairs."},
    "report": {"type": "object", "description": "Once finished: the whole run report (plan, seeds, critiques)."},
}}
RUN_LIST = {"type": "object", "required": ["object", "data"], "properties": {
    "object": {"const": "list"},
    "data": {"type": "array", "items": {"type": "object", "required": [*_RUN_FIELDS, "url"],
                                        "properties": {**_RUN_FIELDS, "url": {"type": "string"}}}}}}
IMAGES = {"type": "object", "required": ["created", "data", "limner"], "properties": {
    "created": {"type": "integer"},
    "data": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["revised_prompt"],
        "properties": {"revised_prompt": {"type": "string"},
                       "b64_json": {"type": "string", "description": "The PNG, base64 (response_format b64_json)."},
                       "url": {"type": "string", "description": "A signed, expiring link (response_format url)."}}}},
    "limner": {"type": "object", "description": "The run's summary: run_id, verdicts per image, repairs."},
    "usage": {"type": "object"},
}}
MODELS = {"type": "object", "required": ["object", "data"], "properties": {
    "object": {"const": "list"},
    "data": {"type": "array", "items": {"type": "object", "required": ["id", "object", "created", "owned_by"],
                                        "properties": {"id": {"type": "string"}, "object": {"const": "model"},
                                                       "created": {"type": "integer"},
                                                       "owned_by": {"type": "string"}}}}}}
HEALTH = {"type": "object", "required": ["status", "version"],
          "properties": {"status": {"const": "ok"}, "version": {"type": "string"}}}
EVENT = {"type": "object", "description": "One server-sent event.", "properties": {
    "id": {"type": "string", "pattern": "^[0-9]+$", "description": "Its index: send it back as Last-Event-ID."},
    "event": {"type": "string", "description": "queued, run_start, node_start, plan, image, critique, repair, "
                                               "finalize, …, run_end (always last)."},
    "data": {"type": "string", "contentMediaType": "application/json", "description": "The event as JSON."},
    "retry": {"type": "integer", "minimum": 0}}}
EVENTS = {"description": "Server-sent events, in order, ending with run_end; a comment line keeps an idle stream open.",
          "content": {"text/event-stream": {"schema": EVENT,
                                            "example": "id: 0\nevent: queued\ndata: {\"event\": \"queued\"}\n\n"}}}
PNG = {"description": "The image.", "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}


def run_links(run_id: str) -> dict[str, Any]:
    """OpenAPI links from a response holding a run id (at the JSON pointer ``run_id``) to the
    routes that read that run: what a client (and Schemathesis's stateful phase) follows."""
    expression = f"$response.body#{run_id}"
    return {"GetRun": {"operationId": "getRun", "parameters": {"run_id": expression}},
            "GetRunEvents": {"operationId": "getRunEvents", "parameters": {"run_id": expression}}}

