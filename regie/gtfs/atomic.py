"""Atomic file writes: a temporary sibling file, then `os.replace`, so that readers see the old
file or the new one, never half of one. Imports only `os` at run time: the sandboxed engine worker
uses it at each start."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing's, without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import BinaryIO


def replace_atomic(path: Path | str, write: Callable[[BinaryIO], object]) -> None:
    """Call `write` on a new temporary sibling of `path` (mode 0644), then move it into place."""
    path = os.fspath(path)
    folder, name = os.path.split(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.{os.urandom(6).hex()}.tmp")
    try:
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), "wb") as stream:
            write(stream)
        os.chmod(tmp, 0o644)  # whatever the umask
        os.replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


def write_atomic(path: Path | str, data: bytes) -> None:
    """Write `data` to `path` atomically."""
    replace_atomic(path, lambda stream: stream.write(data))


def write_atomic_text(path: Path | str, text: str) -> None:
    """Write `text` as UTF-8 to `path` atomically."""
    write_atomic(path, text.encode("utf-8"))
