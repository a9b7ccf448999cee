"""``python -m revenue_ml.serve``: run the scoring service with uvicorn (one worker)."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from revenue_ml.serve.models import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    HOST_ENV,
    PORT_ENV,
    RELOAD_TOKEN_ENV,
    ServiceSettings,
)


def settings_from_args(args: argparse.Namespace) -> ServiceSettings:
    """The environment's settings with the command line's source and body limit on top (the
    rest, e.g. the prediction threads, kept)."""
    settings = ServiceSettings.from_environment()
    if args.warehouse is not None:
        settings = replace(settings, snapshot=None, warehouse=args.warehouse)
    elif args.snapshot is not None:
        settings = replace(settings, snapshot=args.snapshot, warehouse=None)
    if args.max_body_bytes is not None:
        settings = replace(settings, max_body_bytes=args.max_body_bytes)
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m revenue_ml.serve",
        description="The REST scoring service (see revenue_ml/serve/__init__.py).",
    )
    parser.add_argument(
        "--host",
        default=os.environ.get(HOST_ENV, DEFAULT_HOST),
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only; 0.0.0.0 "
        "opens it to the network: put an authenticating proxy in front)",
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get(PORT_ENV, DEFAULT_PORT)))
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--snapshot",
        type=Path,
        default=None,
        help="the snapshot directory a build publishes into (default: "
        "$REVENUE_ML_DASHBOARD_SNAPSHOT, else target/dashboard_snapshot/<stem of "
        "$REVENUE_ML_DUCKDB or warehouse.duckdb>)",
    )
    source.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="read the models from this warehouse instead (opened read-only, read, closed)",
    )
    parser.add_argument("--max-body-bytes", type=int, default=None)
    parser.add_argument("--access-log", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    try:
        settings = settings_from_args(args)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

    import uvicorn

    from revenue_ml.serve.app import create_app

    who = (
        f"with the token in {RELOAD_TOKEN_ENV}"
        if settings.reload_token
        else f"from this machine only ({RELOAD_TOKEN_ENV} unset)"
    )
    print(f"revenue_ml scoring service: models from the {settings.source}", flush=True)
    print(f"  http://{args.host}:{args.port}/docs", flush=True)
    print(f"  reload: SIGHUP, or POST /reload {who}", flush=True)
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        workers=1,
        access_log=args.access_log,
        log_level="info",
        # X-Forwarded-For is believed from a proxy on this machine only (a proxy in front
        # makes the reload rule see the real client); FORWARDED_ALLOW_IPS cannot widen that
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1,::1",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
