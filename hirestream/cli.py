"""Command line: ``python -m hirestream worker | assessor | webhooks | keys create | token``.

python -m hirestream worker
python -m hirestream webhooks
python -m hirestream keys create --tenant acme --permissions 'interview:*' --name dev
python -m hirestream token --tenant acme --role ADMIN
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from hirestream.settings import Settings
from hirestream.topics.tenancy import is_tenant_id

_TENANT_RULE = "a tenant id is 1 to 128 characters of A-Z a-z 0-9 . _ -"


def tenant_id(value: str) -> str:
    """argparse type of ``token --tenant``: one well-formed tenant id (else exit status 2)."""
    if not is_tenant_id(value):
        raise argparse.ArgumentTypeError(f"not a valid tenant id ({_TENANT_RULE})")
    return value


def tenant_ids(value: str) -> list[str]:
    """argparse type of ``keys create --tenant``: comma-separated well-formed tenant ids."""
    ids = [t.strip() for t in value.split(",") if t.strip()]
    if not ids or not all(is_tenant_id(t) for t in ids):
        raise argparse.ArgumentTypeError(f"not a list of valid tenant ids ({_TENANT_RULE})")
    return ids


async def _create_key(settings: Settings, args: argparse.Namespace) -> None:
    from hirestream.store import apikeys
    from hirestream.store.db import migrate, open_pool
    from hirestream.web.credentials import KEY_PREFIX, hash_api_key, new_api_key
    from hirestream.web.permissions import expand

    permissions = sorted(expand([p.strip() for p in args.permissions.split(",") if p.strip()]))
    tenants: list[str] = args.tenant
    pool = await open_pool(settings.database_url, max_size=2)
    try:
        await migrate(pool)
        key = new_api_key()
        record = await apikeys.create_key(
            pool,
            name=args.name,
            key_hash=hash_api_key(key),
            key_prefix=key[: len(KEY_PREFIX) + 6],
            permissions=permissions,
            tenants=tenants,
            created_by="cli",
            expires_at=None,
        )
    finally:
        await pool.close()
    print(f"id:          {record.id}", file=sys.stderr)
    print(f"tenants:     {', '.join(record.tenants)}", file=sys.stderr)
    print(f"permissions: {', '.join(record.permissions)}", file=sys.stderr)
    print("key (shown once):", file=sys.stderr)
    print(key)


def _token(settings: Settings, args: argparse.Namespace) -> None:
    from hirestream.web.credentials import issue_jwt

    if len(settings.jwt_secret.encode()) < 32:
        raise SystemExit("set HIRESTREAM_JWT_SECRET (at least 32 bytes) to issue a token")
    permissions = args.permissions.split(",") if args.permissions else None
    print(
        issue_jwt(
            settings.jwt_secret,
            subject=args.sub,
            tenant_id=args.tenant,
            role=None if permissions else args.role,
            permissions=permissions,
            ttl_s=args.ttl,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hirestream")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("worker", help="run one worker (Faust agents + HTTP API)")
    commands.add_parser(
        "assessor", help="run only the assessor (its own consumer group; health on its port)"
    )
    commands.add_parser(
        "webhooks",
        help="run only webhook delivery (recorder and scheduler; health on its port)",
    )
    keys = commands.add_parser("keys", help="manage API keys").add_subparsers(
        dest="keys_command", required=True
    )
    create = keys.add_parser("create", help="create an API key and print it once")
    create.add_argument(
        "--tenant", required=True, type=tenant_ids, help="tenant id (comma-separated for many)"
    )
    create.add_argument(
        "--permissions",
        default="interview:*",
        help="comma-separated codes; 'interview:*' and '*' expand",
    )
    create.add_argument("--name", default="cli key")
    token = commands.add_parser("token", help="print a development JWT (HS256)")
    token.add_argument("--tenant", required=True, type=tenant_id)
    token.add_argument("--role", default="ADMIN", choices=["ADMIN", "RECRUITER", "VIEWER"])
    token.add_argument("--permissions", default="", help="comma-separated, instead of a role")
    token.add_argument("--sub", default="dev-user")
    token.add_argument("--ttl", type=int, default=24 * 3600, help="seconds")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.command == "worker":
        from hirestream.worker import run

        run(settings)
    elif args.command == "assessor":
        from hirestream.worker import run_assessor

        run_assessor(settings)
    elif args.command == "webhooks":
        from hirestream.worker import run_webhooks

        run_webhooks(settings)
    elif args.command == "keys":
        asyncio.run(_create_key(settings, args))
    elif args.command == "token":
        _token(settings, args)
