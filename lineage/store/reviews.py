"""Reviews of findings: every decision a person made, kept as an append-only audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lineage.errors import PolicyError
from lineage.store.base import Review
from lineage.store.sql import Backend, insert

_NAMES = ("fingerprint", "status", "reviewer", "reason", "expires_at", "created_at")
_COLUMNS = ", ".join(_NAMES)
_ADD = insert("finding_reviews", _NAMES)
_LATEST = (
    f"SELECT {_COLUMNS} FROM (SELECT {_COLUMNS}, "  # noqa: S608 - constant text
    "row_number() OVER (PARTITION BY fingerprint ORDER BY created_at DESC) AS newest FROM finding_reviews) r "
    "WHERE newest = 1 ORDER BY fingerprint{collate}"
)
_HISTORY = f"SELECT {_COLUMNS} FROM finding_reviews WHERE fingerprint = %(fingerprint)s ORDER BY created_at"  # noqa: S608


def review(**fields: Any) -> Review:
    """A valid review of these fields.

    Raises:
        PolicyError: a field is invalid.
    """
    from pydantic import ValidationError

    try:
        return Review(**fields)
    except ValidationError as exc:
        raise PolicyError(f"invalid review: {exc.errors(include_url=False)[0]['msg']}") from exc


def review_row(r: tuple[Any, ...]) -> Review:
    """A stored review (`finding_reviews` column order)."""
    return Review(fingerprint=r[0], status=r[1], reviewer=r[2], reason=r[3], expires_at=r[4], created_at=r[5])


class Reviews(Backend):
    """Reviews of findings, in `finding_reviews`."""

    def add_review(self, fingerprint: str, status: str, reviewer: str, reason: str,
                   expires_at: datetime | None = None) -> None:
        """Record a person's decision on a finding; earlier decisions stay as its history.

        Raises:
            PolicyError: the status, reviewer or reason is invalid.
        """
        r = review(fingerprint=fingerprint, status=status, reviewer=reviewer, reason=reason,
                   expires_at=expires_at, created_at=datetime.now(UTC))
        self._write(lambda tx: tx.execute(_ADD, r.model_dump(include=set(_NAMES))))

    def reviews(self) -> list[Review]:
        """The latest review of each fingerprint."""
        with self._read() as tx:
            rows = tx.all(_LATEST)
        return [review_row(r) for r in rows]

    def review_history(self, fingerprint: str) -> list[Review]:
        """Every review of one fingerprint, oldest first: the audit trail."""
        with self._read() as tx:
            rows = tx.all(_HISTORY, {"fingerprint": fingerprint})
        return [review_row(r) for r in rows]
