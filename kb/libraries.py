"""The seven libraries of the market department and their rules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Library:
    key: str
    name: str
    confidential: bool


LIBRARIES: tuple[Library, ...] = (
    Library("estimates", "测算库", True),
    Library("quotes", "报价库", True),
    Library("documents", "文件库", False),
    Library("cases", "案例库", False),
    Library("publicity", "宣传库", False),
    Library("templates", "模板库", False),
    Library("instructions", "作业指导书", False),
)

BY_KEY: dict[str, Library] = {lib.key: lib for lib in LIBRARIES}
KEYS: tuple[str, ...] = tuple(lib.key for lib in LIBRARIES)


def library_name(key: str) -> str:
    """Return the Chinese name shown for a library key, or the key itself if unknown."""
    lib = BY_KEY.get(key)
    return lib.name if lib else key


def resolve_library(value: str) -> str | None:
    """Map a key or a Chinese name (`quotes`, `报价库`, `报价`) to a library key."""
    value = value.strip()
    if value.lower() in BY_KEY:
        return value.lower()
    for lib in LIBRARIES:
        if value in (lib.name, lib.name.removesuffix("库")):
            return lib.key
    return None
