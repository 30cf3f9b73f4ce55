"""API keys: stored hashed, compared in constant time, bound to source systems and scopes.

Keys file (YAML), e.g. `deploy/api-keys.example.yaml`:

    keys:
      - id: erp-prod                 # appears in logs and metrics instead of the key
        sha256: 9f86d08...           # python -m complaint_runtime.auth hash <key>
        scopes: [write, read]        # read, write, privileged (see personal data)
        source_systems: [erp]        # which source systems it may submit for; ["*"] for any

`python -m complaint_runtime.auth new` prints a fresh random key and its hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, Field, ValidationError

Scope = Literal["read", "write", "privileged"]
header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The caller's API key.")


class KeyEntry(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    scopes: list[Scope] = Field(min_length=1)
    source_systems: list[str] = Field(default_factory=lambda: ["*"])
    policies: list[str] = Field(
        default_factory=lambda: ["*"],
        description="Policies a submission with this key may name (policy_id); * for any.",
    )


class KeysFile(BaseModel):
    keys: list[KeyEntry]


@dataclass(frozen=True)
class Caller:
    key_id: str
    scopes: frozenset[str]
    source_systems: frozenset[str]
    policies: frozenset[str] = frozenset({"*"})

    def may_submit_for(self, source_system: str) -> bool:
        return "*" in self.source_systems or source_system in self.source_systems

    def may_use_policy(self, policy_id: str | None) -> bool:
        """A submission naming no policy is routed; one naming a policy needs the key's leave."""
        return policy_id is None or "*" in self.policies or policy_id in self.policies

    def sees(self, source_system: str | None) -> bool:
        """Whether the key may see or act on a complaint of this source system."""
        return self.may_submit_for(source_system or "")

    @property
    def every_source(self) -> bool:
        return "*" in self.source_systems


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiKeys:
    """The keys a service accepts, and the per-key rate limit."""

    def __init__(self, entries: list[KeyEntry], rate_limit: str = "50/second") -> None:
        self.entries = entries
        self.limit: RateLimitItem = parse(rate_limit)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    @classmethod
    def from_file(cls, path: Path, rate_limit: str = "50/second") -> ApiKeys:
        try:
            parsed = KeysFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError, ValidationError) as error:
            raise SystemExit(f"{path}: invalid API keys file: {error}") from error
        return cls(parsed.keys, rate_limit)

    def identify(self, key: str) -> Caller | None:
        presented = digest(key)
        found: KeyEntry | None = None
        for entry in self.entries:  # every entry is compared, so timing says nothing
            if hmac.compare_digest(presented, entry.sha256):
                found = entry
        if found is None:
            return None
        return Caller(
            found.id,
            frozenset(found.scopes),
            frozenset(found.source_systems),
            frozenset(found.policies),
        )

    async def within_limit(self, caller: Caller) -> bool:
        return await self.limiter.hit(self.limit, caller.key_id)


def require(keys: ApiKeys, scope: Scope) -> Callable[..., Awaitable[Caller]]:
    """A FastAPI dependency: 401 without a known key, 403 without the scope, 429 over the limit.

    Which complaints the key may see is the route's to apply: one complaint's routes check
    `Caller.sees(its source system)`, lists and reports keep to the key's source systems.
    """

    async def caller(
        request: Request, key: Annotated[str | None, Depends(header)] = None
    ) -> Caller:
        found = keys.identify(key) if key else None
        if found is None:
            raise HTTPException(
                401,
                "missing or unknown API key (header X-API-Key)",
                headers={"WWW-Authenticate": "ApiKey"},
            )
        if scope not in found.scopes:
            raise HTTPException(403, f"this API key lacks the '{scope}' scope")
        if not await keys.within_limit(found):
            raise HTTPException(
                429,
                "rate limit exceeded for this API key",
                headers={"Retry-After": str(max(1, keys.limit.get_expiry()))},
            )
        request.state.caller = found
        return found

    return caller


def main(argv: list[str]) -> int:
    if argv[:1] == ["hash"] and len(argv) == 2:
        print(digest(argv[1]))
    elif argv[:1] == ["new"]:
        key = secrets.token_urlsafe(32)
        print(f"key:    {key}\nsha256: {digest(key)}")
    else:
        print("usage: python -m complaint_runtime.auth hash <key> | new", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
