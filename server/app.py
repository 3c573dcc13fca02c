"""The composition root: `create_app` wires settings, the store and the web layer together."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from . import config, description, endpoint, fast_path, graph_store, http_policy, store, updates
from .pages import init_app as init_pages


def create_app(
    test_config: Mapping[str, Any] | None = None, *, overrides: Mapping[str, Any] | None = None
) -> Flask:
    """Build the app from the defaults and then, as flaskr does, `test_config` alone: no
    instance file or stray `ALLIANCE_KG_*` variable can change a test. Without `test_config`
    (serving): the defaults, the instance `config.py`, the environment, then `overrides`.

    Either mapping may hold `STORE` (an opened `Store`) instead of `BUILD_DIR`.
    """
    if test_config is not None and overrides is not None:
        raise TypeError("create_app takes test_config or overrides, not both")
    testing = test_config is not None
    given = dict(test_config) if test_config is not None else dict(overrides or {})
    environment = {} if testing else config.from_environment()
    instance = given.get("INSTANCE_PATH") or environment.get("INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(Path(instance).resolve()) if instance else None,
        instance_relative_config=True,
    )
    app.config.from_mapping(config.defaults())
    if not testing:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_mapping(environment)
    app.config.from_mapping(given)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_REQUEST_BYTES"]
    app.json.sort_keys = False

    http_policy.init_app(app)
    store.init_app(app)
    updates.init_app(app)
    app.register_blueprint(endpoint.bp)
    app.register_blueprint(description.bp)
    app.register_blueprint(graph_store.bp)
    init_pages(app)
    fast_path.init_app(app)
    return app
