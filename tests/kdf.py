"""Cheap Argon2id parameters for password hashing in the tests, where hashing is only a means.

Every ``create_user`` and every log-in costs one Argon2id hash at the production parameters
(64 MiB, 3 passes, 4 lanes): about a second and a half on a loaded 2-core machine, paid by
each demo build, each AppTest log-in and each user a fixture creates. The tests hash with
the smallest parameters instead. Tests of the hashing itself, and of what the production
parameters are, carry ``@pytest.mark.real_kdf`` and get the production hasher back.

Servers started as subprocesses (``qualkit serve`` for the browser tests, CLI subprocesses)
hash with the production parameters: they verify a cheap hash and re-hash it once
(``check_needs_rehash``), as they would any outdated hash.

The vault's KDF (``qualkit.deid.vault.ARGON2``) is not touched: its parameters are stored
with the vault and asserted on by tests of the demo project.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from qualkit.services import users

PRODUCTION_HASHER = users._hasher
# The smallest parameters Argon2 allows: 1 pass, 8 KiB, 1 lane.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def use_cheap_password_hashing() -> None:
    """Set at import of tests/conftest.py, before any session fixture (the demo template)."""
    users._hasher = CHEAP_HASHER


@pytest.fixture(autouse=True)
def _password_hasher(request, monkeypatch):
    """The production hasher for tests marked ``real_kdf``; the cheap one for all others."""
    wanted = PRODUCTION_HASHER if request.node.get_closest_marker("real_kdf") else CHEAP_HASHER
    monkeypatch.setattr(users, "_hasher", wanted)
