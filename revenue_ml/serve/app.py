"""The FastAPI application of the scoring service (see :mod:`revenue_ml.serve`)."""

from __future__ import annotations

import asyncio
import gc
import hmac
import ipaddress
import signal
from contextlib import asynccontextmanager, suppress
from importlib import resources
from typing import Annotated

import orjson
import pandas as pd
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.openapi.docs import (
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, create_model
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from revenue_ml import __version__
from revenue_ml.score import DOMAINS, Domain
from revenue_ml.serve.models import (
    DATA_DOMAIN,
    RELOAD_TOKEN_ENV,
    Loaded,
    ModelStore,
    ServiceSettings,
)

#: At most this many field errors are listed in a 422 (the total is always given).
MAX_ERRORS_LISTED = 200
EXPLAIN_HELP = (
    "Add the explanation columns: the feature that drove each score most and its "
    "contribution (log-odds), and the reasons in business words where available. Costs far "
    "more than the probability (per-row TreeSHAP): ask for it on the records you act on."
)


#: Where the documentation page's Swagger UI files are served from: the pinned package
#: fastapi-offline ships them, so /docs works without internet (no CDN).
DOCS_ASSETS = "/docs-assets"
DOCS_FILES = resources.files("fastapi_offline") / "static"
#: The reload token, read from ``Authorization: Bearer`` (a module-level object: the route's
#: annotations are strings, resolved in this module).
RELOAD_BEARER = HTTPBearer(
    auto_error=False,
    description=f"The reload token ({RELOAD_TOKEN_ENV}), when the service has one.",
)


def json_response(content, status_code: int = 200, headers: dict | None = None) -> Response:
    """JSON via orjson (NaN as null, numpy values as numbers)."""
    body = orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)


class JsonPostsOnly:
    """Every POST must say ``Content-Type: application/json`` (a 415 otherwise, before the
    body is read). A web page can make the operator's browser post ``text/plain``, a form or a
    body without a type to any address without asking (a "simple" cross-origin request);
    ``application/json`` needs the browser's CORS preflight, which this service never grants.
    So no page the operator visits can reload the service or have it score."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            given = dict(scope["headers"]).get(b"content-type", b"").decode("latin-1")
            if given.split(";", 1)[0].strip().lower() != "application/json":
                got = f"'{given[:100]}'" if given else "none"
                response = json_response(
                    {
                        "detail": f"send the body as JSON with the header 'Content-Type: "
                        f"application/json' (got {got}); this service accepts no other "
                        "content type, so that a web page cannot post to it"
                    },
                    status_code=415,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def is_loopback(host: str | None) -> bool:
    """Whether a client address is this machine (127.0.0.0/8, ::1, or IPv4-mapped)."""
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def reload_refusal(
    request: Request, token: str | None, credentials: HTTPAuthorizationCredentials | None
) -> Response | None:
    """Why POST /reload is refused (401 / 403), None when it may go ahead: with a token set
    (REVENUE_ML_SERVE_RELOAD_TOKEN) it needs ``Authorization: Bearer <token>``; without one
    it is accepted from this machine only. Reloading is the operator's action."""
    if token:
        given = credentials.credentials if credentials is not None else ""
        if given and hmac.compare_digest(given.encode(), token.encode()):
            return None
        return json_response(
            {
                "detail": "POST /reload needs the header 'Authorization: Bearer <token>' with "
                f"the token the service was started with ({RELOAD_TOKEN_ENV}); "
                + ("the token given is wrong" if given else "none was given")
                + ". Or send the service's process the signal SIGHUP."
            },
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    client = request.client.host if request.client else None
    if is_loopback(client):
        return None
    return json_response(
        {
            "detail": f"POST /reload is accepted from this machine only (127.0.0.1 or ::1) "
            f"while {RELOAD_TOKEN_ENV} is unset; this request came from {client}. Set that "
            "token on the service to reload from elsewhere (header 'Authorization: Bearer "
            "<token>'), or send its process the signal SIGHUP."
        },
        status_code=403,
    )


def unprocessable(detail: list[dict], **extra) -> Response:
    """A 422 in FastAPI's own layout: ``{"detail": [{"loc", "msg", "type"}, ...]}``."""
    return json_response({"detail": detail, **extra}, status_code=422)


# --- Documentation models (the responses are built directly, for speed) ----------------------


class FieldError(BaseModel):
    loc: list[str | int] = Field(description='["body", <record index>, <column>]')
    msg: str = Field(description="What is wrong and how to fix it.")
    type: str
    input: str | float | int | None = Field(None, description="The value received.")


class ErrorResponse(BaseModel):
    detail: list[FieldError]
    records: int | None = Field(None, description="Records received.")
    records_with_errors: int | None = Field(None, description="Records not scored.")


class ServedModel(BaseModel):
    model_name: str
    model_version: int
    alias: str
    threshold: float | None


def _score_model(domain: Domain) -> type[BaseModel]:
    key_type = int if domain.name == "campaign" else str
    return create_model(
        f"{domain.name.capitalize()}Score",
        __config__=ConfigDict(extra="allow"),
        record=(int, Field(description="The record's index in the request (0-based).")),
        **{domain.key: (key_type, Field(description="The record's key, derived as in staging."))},
        probability=(float, Field(description="Probability of the positive class.")),
        predicted_label=(int, Field(description="1 when the probability reaches the threshold.")),
        threshold=(float, Field(description="The model version's decision threshold.")),
        model_name=(str, ...),
        model_version=(int, ...),
        top_feature=(str | None, Field(None, description="With explain=true.")),
        top_feature_contribution=(float | None, Field(None, description="With explain=true.")),
    )


def _response_model(domain: Domain) -> type[BaseModel]:
    return create_model(
        f"{domain.name.capitalize()}Scores",
        domain=(str, ...),
        records=(int, ...),
        models=(list[ServedModel], Field(description="The champion(s) that scored.")),
        scores=(list[_score_model(domain)], ...),
    )


def _request_body(domain: Domain) -> dict:
    """The OpenAPI request body: a list of records in the raw file's column names."""
    value = {"type": ["string", "number", "integer", "boolean", "null"]}
    record = {
        "type": "object",
        "title": f"{domain.name} record",
        "description": "One row of the raw file, in its own column names (values as text or "
        "numbers). Other keys are ignored.",
        "properties": {column: value for column in domain.columns},
        "required": list(domain.required),
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "items": record},
                    "example": [domain.example],
                }
            },
        }
    }


# --- Scoring ----------------------------------------------------------------------------------


def _models(loaded: Loaded, name: str) -> list[dict]:
    scorer = loaded.scorers[name]
    return [
        {
            "model_name": model,
            "model_version": int(record["model_version"]),
            "alias": "champion",
            "threshold": float(record["threshold"]),
        }
        for model, record in scorer.champions.items()
    ]


def score_body(store: ModelStore, name: str, body: bytes, explain: bool) -> Response:
    """Parse, validate and score one request body of domain ``name``."""
    loaded = store.current
    if loaded is None or name not in loaded.scorers:
        reason = "nothing loaded yet" if loaded is None else loaded.errors.get(name, "")
        return json_response(
            {"detail": f"the {name} models are not loaded ({reason}); fix that, then POST /reload"},
            status_code=503,
        )
    try:
        records = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        return unprocessable(
            [
                {
                    "loc": ["body"],
                    "msg": f"the body is not valid JSON ({err}); send a JSON list of records",
                    "type": "json_invalid",
                }
            ]
        )
    if not isinstance(records, list):
        return unprocessable(
            [
                {
                    "loc": ["body"],
                    "msg": "send a JSON list of records (objects in the raw file's column "
                    'names), e.g. [{"State": "KS", ...}]',
                    "type": "list_type",
                }
            ]
        )
    not_objects = [i for i, r in enumerate(records) if not isinstance(r, dict)]
    if not_objects:
        return unprocessable(
            [
                {
                    "loc": ["body", i],
                    "msg": f"record {i} is not an object; send each record as "
                    '{"<column>": <value>, ...}',
                    "type": "dict_type",
                }
                for i in not_objects[:MAX_ERRORS_LISTED]
            ],
            records=len(records),
            records_with_errors=len(not_objects),
        )
    out = {"domain": name, "records": len(records), "models": _models(loaded, name), "scores": []}
    if not records:
        return json_response(out)
    scores, errors = loaded.scorers[name].scores(pd.DataFrame.from_records(records), explain)
    if len(errors):
        return unprocessable(
            [
                {
                    "loc": ["body", int(e.record), e.column],
                    "msg": e.message,
                    "type": "value_error",
                    "input": e.value,
                }
                for e in errors.head(MAX_ERRORS_LISTED).itertuples(index=False)
            ],
            records=len(records),
            records_with_errors=int(errors["record"].nunique()),
        )
    names = ["record", *scores.columns]
    values = [scores.index.tolist(), *(scores[c].tolist() for c in scores.columns)]
    out["scores"] = [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]
    return json_response(out)


# --- The application --------------------------------------------------------------------------


def _reload(store: ModelStore) -> Loaded:
    """Load the models again; start-up objects are kept out of later full GCs (p99)."""
    gc.unfreeze()  # the previous models become collectable once replaced
    try:
        return store.reload()
    finally:
        gc.collect()
        gc.freeze()


def health(store: ModelStore) -> tuple[dict, int]:
    """The body and status of GET /health (names, never the server's paths)."""
    loaded = store.current
    if loaded is None:
        return {"status": "unavailable", "last_reload_error": store.last_error}, 503
    status = "ok" if loaded.ok else ("degraded" if loaded.scorers else "unavailable")
    domains = {}
    for name in DOMAINS:
        if name in loaded.scorers:
            domains[name] = {
                "loaded": True,
                "models": {
                    m: int(r["model_version"]) for m, r in loaded.scorers[name].champions.items()
                },
            }
        else:
            domains[name] = {"loaded": False, "reason": loaded.errors.get(name, "")}
        # a stale domain keeps serving its last good champion; say so beside it
        data = loaded.stale.get(DATA_DOMAIN.get(name, name))
        if data is not None:
            domains[name]["data"] = data
    body = {
        "status": status,
        "source": loaded.source,
        "snapshot_id": loaded.snapshot_id,
        "loaded_at": loaded.loaded_at.isoformat(timespec="seconds") + "Z",
        "domains": domains,
        # every warehouse domain whose marts are not the latest build's (quality.domain_status)
        "stale_domains": loaded.stale,
        "last_reload_error": store.last_error,
    }
    return body, (200 if loaded.scorers else 503)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The service over ``settings`` (default: from the environment)."""
    settings = settings or ServiceSettings.from_environment()
    store = ModelStore(settings)

    async def reload_in_background() -> None:
        with suppress(Exception):  # the store records the error; /health shows it
            await run_in_threadpool(_reload, store)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        with suppress(Exception):
            await run_in_threadpool(_reload, store)
        loop = asyncio.get_running_loop()
        try:  # SIGHUP reloads, as for most daemons
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(reload_in_background()))
            hooked = True
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread / not Unix
            hooked = False
        yield
        if hooked:
            loop.remove_signal_handler(signal.SIGHUP)

    app = FastAPI(
        title="revenue_ml scoring service",
        version=__version__,
        description=(
            "Scores raw records (the raw files' own column names) with the registered champion "
            "models of the revenue_ml warehouse: the same feature code as the SQL marts and "
            "the command-line scorer. Models: " + settings.source_name + ". Every POST takes "
            "Content-Type: application/json (else 415)."
        ),
        lifespan=lifespan,
        max_body_size=settings.max_body_bytes,
        docs_url=None,  # served below from the installed files, not a CDN
        redoc_url=None,
    )
    app.state.store = store
    app.add_middleware(JsonPostsOnly)
    _offline_docs(app)

    @app.get("/health", summary="Whether the models are loaded, and from where")
    async def get_health() -> Response:
        body, status = health(store)
        return json_response(body, status_code=status)

    @app.get("/models", summary="The registered versions with an alias (champion, challenger)")
    async def get_models() -> Response:
        loaded = store.current
        if loaded is None:
            return json_response({"detail": "no models loaded", "models": []}, status_code=503)
        return json_response(
            {"source": loaded.source, "snapshot_id": loaded.snapshot_id, "models": loaded.versions}
        )

    @app.post(
        "/reload",
        summary="Read the models again (also: the signal SIGHUP)",
        description=(
            "The operator's action: with a reload token set on the service "
            f"({RELOAD_TOKEN_ENV}) it needs 'Authorization: Bearer <token>', else it is "
            "accepted from this machine only. Content-Type: application/json; the body (e.g. "
            "{}) is ignored."
        ),
        openapi_extra={
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": {"type": "object"}, "example": {}}},
            }
        },
        responses={
            401: {"description": "A token is set and the request lacks it."},
            403: {"description": "No token is set and the request is not from this machine."},
            415: {"description": "The request is not Content-Type: application/json."},
            503: {"description": "The reload failed; the previous models keep serving."},
        },
    )
    async def post_reload(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(RELOAD_BEARER)],
    ) -> Response:
        refused = reload_refusal(request, settings.reload_token, credentials)
        if refused is not None:
            return refused
        try:
            await run_in_threadpool(_reload, store)
        except Exception:  # noqa: BLE001 - keep serving the previous models
            body, _ = health(store)
            return json_response({**body, "reload_error": store.last_error}, 503)
        body, status = health(store)
        return json_response(body, status_code=status)

    for domain in DOMAINS.values():
        app.include_router(_router(domain, store))

    @app.post("/score/{domain}", include_in_schema=False)
    async def unknown_domain(domain: str) -> Response:
        return json_response(
            {"detail": f"unknown domain {domain!r}; POST to /score/{{{', '.join(DOMAINS)}}}"},
            status_code=404,
        )

    return app


def _router(domain: Domain, store: ModelStore) -> APIRouter:
    router = APIRouter(prefix=f"/score/{domain.name}", tags=[domain.name])

    @router.post(
        "",
        summary=domain.title,
        description=(
            f"A JSON list of {domain.name} records in the raw file's column names; per record "
            f"the key ({domain.key}), the probability, the label at the model's threshold, the "
            f"threshold and the model name and version. Required columns: "
            f"{', '.join(domain.required)}. A bad field gives a 422 naming the record index, "
            "the column and the fix; no record is scored then."
        ),
        openapi_extra=_request_body(domain),
        responses={
            200: {"model": _response_model(domain)},
            415: {"description": "The request is not Content-Type: application/json."},
            422: {"model": ErrorResponse, "description": "A record has a bad field."},
            503: {"description": "The models are not loaded (see /health)."},
        },
        response_class=Response,
    )
    async def score_domain(
        request: Request, explain: bool = Query(False, description=EXPLAIN_HELP)
    ) -> Response:
        body = await request.body()
        return await run_in_threadpool(score_body, store, domain.name, body, explain)

    return router


def _offline_docs(app: FastAPI) -> None:
    """/docs (Swagger UI) with its files served by the service itself (:data:`DOCS_FILES`), so
    the page works without internet and the browser asks no other host: FastAPI's "Custom Docs
    UI Static Assets (Self-Hosting)" recipe, without the validator badge (it would call
    validator.swagger.io). No /redoc: ReDoc's sidebar loads its logo from the vendor's CDN."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(DOCS_FILES)), name="docs-assets")
    redirect = app.swagger_ui_oauth2_redirect_url

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=f"{root}{redirect}" if redirect else None,
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )

    if redirect:

        @app.get(redirect, include_in_schema=False)
        async def swagger_ui_redirect() -> HTMLResponse:
            return get_swagger_ui_oauth2_redirect_html()
