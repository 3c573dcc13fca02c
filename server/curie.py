"""IRIs written short as prefixed names (`akg:Actor`): one way, for the pipeline and the pages."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .vocab import PREFIXES

LOCAL_NAME = re.compile(r"\w(?:[\w.-]*[\w-])?")  # a local part Turtle and SPARQL read as it is


def prefixed_names(iri: str, prefixes: Mapping[str, str]) -> list[str]:
    """Every `prefix:local` that `prefixes` can spell `iri` as, the longest namespace first."""
    fitting = [(p, ns) for p, ns in prefixes.items() if iri.startswith(ns) and iri != ns]
    fitting.sort(key=lambda found: -len(found[1]))
    return [f"{prefix}:{iri[len(namespace) :]}" for prefix, namespace in fitting]


def curie(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str | None:
    """`akg:Actor` for an IRI in a known namespace; None if no prefix writes it as a valid
    prefixed name (`akg:module/core` is not one: a slash cannot stand in a local name)."""
    for name in prefixed_names(iri, prefixes):
        if LOCAL_NAME.fullmatch(name.partition(":")[2]):
            return name
    return None


def turtle_name(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """The IRI as Turtle and SPARQL write it: its prefixed name, else `<iri>`."""
    return curie(iri, prefixes) or f"<{iri}>"
