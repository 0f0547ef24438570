"""The error hierarchy. Collectors report problems as data (`models.Problem`); these are raised
only where going on would be wrong: bad usage, a store that cannot be opened, `--strict` mode."""

from __future__ import annotations


class LineageError(Exception):
    """Base class of every error this package raises on purpose."""


class CollectorError(LineageError):
    """A source could not be collected at all (missing, unreadable, of no known kind)."""


class ConfigError(LineageError):
    """A project file or pipeline spec is invalid."""


class StoreError(LineageError):
    """The store cannot be opened, is locked for too long, or has an unknown schema version."""


class NodeNotFound(LineageError):
    """A node name given by a user matches no node, or several."""


class PolicyError(LineageError):
    """A policy rule or custom rule is invalid."""
