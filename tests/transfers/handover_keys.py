"""Signing keys for the handover tests: two providers who trust each other, each in its own
data folder, and a helper that signs a package file the way `export handover` does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bpa_provider.signing import Keyring


@dataclass
class Pair:
    a: Keyring  # the provider the client leaves
    b: Keyring  # the provider the client joins


def provider(folder: Path, name: str) -> Keyring:
    keys = Keyring(folder)
    keys.init(name)
    return keys


def pair(tmp_path: Path, a: str = "Old Provider AS", b: str = "New Provider AS") -> Pair:
    """Two providers with keys, each trusting the other."""
    ka, kb = provider(tmp_path / "keys-a", a), provider(tmp_path / "keys-b", b)
    ka.trust(b, kb.public_key())
    kb.trust(a, ka.public_key())
    return Pair(ka, kb)


def sign_file(keys: Keyring, path: Path) -> Path:
    """Write `path`.sig, the signature of the file's bytes by `keys`."""
    sig = path.with_name(path.name + ".sig")
    sig.write_text(keys.sign(path.read_bytes()))
    return sig
