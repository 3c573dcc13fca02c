"""What the endpoint will not run, said to the client: one exception for every check."""

from __future__ import annotations


class Refused(Exception):
    """A request the endpoint will not run: 400 (or `status`) with a message for the client."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def network_refused() -> Refused:
    """What the client hears when the engine tried to open a socket and the sandbox said no."""
    return Refused(
        "This request tried to reach the network, which this endpoint never does (SERVICE, "
        "LOAD and remote FROM are refused).",
        403,
    )
