"""Writing audit entries. Call ``audit_record`` inside the transaction that makes the change, so
the entry exists exactly when the change does."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models, transaction

from jada.models import AuditEntry


def audit_record(
    *,
    action: str,
    obj: models.Model,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction that makes the change")
    user: Any = actor if isinstance(actor, AbstractBaseUser) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_label=actor_label or ("" if user else "system"),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        data=data or {},
    )
