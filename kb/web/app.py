"""Application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from kb.config import Settings, get_settings
from kb.db import get_engine
from kb.search import open_backend
from kb.web import api, pages
from kb.web.errors import install_error_handlers

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI application over the configured database and index."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.backend.close()

    app = FastAPI(title="kb 知识库 API", version="1", lifespan=lifespan, docs_url="/docs", redoc_url=None)
    app.state.settings = settings
    get_engine(settings)
    app.state.backend = open_backend(settings)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    install_error_handlers(app, pages.render_error)
    return app
