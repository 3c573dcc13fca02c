"""The composition root: `create_app` wires settings, the store and the web layer together."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from . import config
from .pages import init_app as init_pages
from .sparql import compression, http_policy, updates
from .sparql import router as sparql_router
from .store import backend as store


def create_app(
    test_config: Mapping[str, Any] | None = None, *, overrides: Mapping[str, Any] | None = None
) -> Flask:
    """Build the app from the defaults and then, as flaskr does, `test_config` alone: no
    instance file or stray `ALLIANCE_KG_*` variable can change a test (and `serve` passes the
    whole settings it already loaded). Without `test_config`: the defaults, the instance
    `config.py`, the environment, then `overrides`.

    Either mapping may hold `STORE` (an opened `Store`) instead of `BUILD_DIR`. Every setting
    is checked (`config.SettingsError` on a bad one).
    """
    if test_config is not None and overrides is not None:
        raise TypeError("create_app takes test_config or overrides, not both")
    app = Flask(__name__)
    if test_config is not None:
        app.config.from_mapping(config.defaults())
        app.config.from_mapping(config.checked(test_config, "test_config"))
    else:  # Flask's default instance folder, unless INSTANCE_PATH names one
        app.config.from_mapping(config.load(overrides or {}, instance=app.instance_path))
    if app.config["INSTANCE_PATH"]:
        app.instance_path = str(Path(app.config["INSTANCE_PATH"]).resolve())
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_REQUEST_BYTES"]
    app.json.sort_keys = False

    http_policy.init_app(app)
    store.init_app(app)
    updates.init_app(app)
    init_pages(app)
    sparql_router.init_app(app)
    compression.init_app(app)
    return app
