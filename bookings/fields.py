"""The charter code field: letters and digits, stored upper-case, compared case-insensitively."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.validators import RegexValidator
from django.db import models

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are read aloud and typed
CODE_LENGTH = 7
code_validator = RegexValidator(r"^[A-Za-z0-9]{4,16}$", "A charter code is 4 to 16 letters and digits.")


def charter_code_generate() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class CharterCodeField(models.CharField):
    """Upper-cases on the way in, so ``code="xhqgmdh"`` lookups and writes both hit ``XHQGMDH``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault("validators", [code_validator])
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return value.strip().upper() if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return value.strip().upper() if isinstance(value, str) else value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = value.strip().upper()
            setattr(model_instance, self.attname, value)
        return value
