"""Where a phase stands among the alliance's phases: "phase N of M", with previous and next.

The order is the timeline's (`timeline-phases`), so a phase page and the timeline agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import terms, views
from .terms import Term


@dataclass
class PhaseNav:
    """A phase's place in the sequence, for the navigation line on its page."""

    position: int
    total: int
    previous: Term | None
    next: Term | None


def ordered_phases() -> list[Term]:
    """The phases in the timeline's order: by position, then by label."""
    found: dict[str, tuple[int, Term]] = {}
    for row in views.rows("timeline-phases"):
        if row["phase"].value not in found:
            found[row["phase"].value] = (int(row["position"].value), terms.term(row["phase"]))
    ordered = sorted(found.values(), key=lambda item: (item[0], item[1].text))
    return [term for _, term in ordered]


def phase_nav(iri: str) -> PhaseNav | None:
    """The navigation of the phase `iri`, or None when it is not a phase of the timeline."""
    ordered = ordered_phases()
    index = next((i for i, term in enumerate(ordered) if term.value == iri), None)
    if index is None:
        return None
    return PhaseNav(
        index + 1,
        len(ordered),
        ordered[index - 1] if index > 0 else None,
        ordered[index + 1] if index + 1 < len(ordered) else None,
    )
