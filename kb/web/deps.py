"""Shared request dependencies: settings, database session, search backend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from kb.config import Settings
from kb.db import get_engine
from kb.search.backend import SearchBackend


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    with Session(get_engine(request.app.state.settings), expire_on_commit=False) as session:
        yield session


def get_backend(request: Request) -> SearchBackend:
    return request.app.state.backend


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
BackendDep = Annotated[SearchBackend, Depends(get_backend)]
