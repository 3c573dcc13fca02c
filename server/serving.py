"""Placeholder until the endpoint lands: `alliance-kg serve` arguments and launch."""

from __future__ import annotations

import argparse

from .project import Project


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)


def run_serve(args: argparse.Namespace, project: Project) -> int:
    raise SystemExit("the endpoint is not built yet")
