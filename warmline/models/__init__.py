"""Typed models, one module per domain. Importing this package registers them all."""

from warmline.models.accounts import AuthSession, LiveSocket, User, UserRole

__all__ = ["AuthSession", "LiveSocket", "User", "UserRole"]
