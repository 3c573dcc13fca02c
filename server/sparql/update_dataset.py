"""The update dataset of the SPARQL 1.1 Protocol (`using-graph-uri`, `using-named-graph-uri`),
written into the update as `USING` clauses, because pyoxigraph's update takes no dataset.

The parameters mean what `USING <g>` and `USING NAMED <g>` mean in each operation that reads a
dataset (protocol 2.2.3), so the clauses go before every top-level `WHERE`; `DELETE WHERE { P }`,
which cannot carry them, becomes `DELETE { P } USING ... WHERE { P }`. The text is read with the
guard's tokenizer over its decoded escapes, as the engine runs it, and the clauses go where that
reading puts them in the text as sent: the fence then reads the result like a hand-written one.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

from .lexer import ESCAPE, KEYWORDS, Token, decode_escapes, tokens
from .refused import Refused

USING_GRAPH = "using-graph-uri"
USING_NAMED_GRAPH = "using-named-graph-uri"
CONFLICTING = frozenset({"USING", "WITH"})
Place = tuple[int, tuple[int, int] | None]  # where clauses go; the pattern a DELETE WHERE copies


def with_dataset(
    text: str, default_graphs: Sequence[str], named_graphs: Sequence[str], dataset: frozenset[str]
) -> str:
    """`text` with the protocol's update dataset written in; unchanged without one.

    Refuses (400) a graph that is not an absolute IRI or not in `dataset`, and an update that
    names its own dataset (USING, USING NAMED, WITH), as the protocol says.
    """
    given = [(USING_GRAPH, graph) for graph in default_graphs]
    given += [(USING_NAMED_GRAPH, graph) for graph in named_graphs]
    if not given:
        return text
    for parameter, graph in given:
        _check_absolute(parameter, graph)
    read = tokens(decode_escapes(text))
    _check_no_own_dataset(read, [parameter for parameter, _ in given])
    for parameter, graph in given:
        if graph not in dataset:
            raise Refused(
                f"The graph {graph} ({parameter}) is not in this dataset; like USING, the "
                "parameter may only name the dataset's own graphs (see /.well-known/void)."
            )
    clauses = " ".join(
        f"USING NAMED <{graph}>" if parameter == USING_NAMED_GRAPH else f"USING <{graph}>"
        for parameter, graph in given
    )
    return _insert(text, _places(read), clauses)


def _check_absolute(parameter: str, graph: str) -> None:
    """The engine's own IRI parser decides. It refuses every character that would end an IRI
    in the text or start an escape (`>`, spaces, `\\`...), so `<graph>` reads as one IRI."""
    try:
        ox.NamedNode(graph)
    except ValueError as error:
        raise Refused(f"The {parameter} value '{graph}' is not an absolute IRI: {error}.") from None


def _check_no_own_dataset(read: list[Token], parameters: list[str]) -> None:
    for token in read:
        if token.word in CONFLICTING:
            named = " and ".join(sorted(set(parameters)))
            raise Refused(
                f"The update names its dataset with {token.word} and the request with {named}: "
                "the SPARQL 1.1 Protocol makes that an error. Name the graphs in one place only."
            )


def _places(read: list[Token]) -> list[Place]:
    """Where, in the decoded text, clauses go: before each top-level WHERE, with the span of
    the pattern to copy for `DELETE WHERE`.

    Between operations only keywords stand bare, and the engine reads keywords glued together
    (`DELETEWHERE`): any other bare name there is refused, so that no WHERE goes unseen.
    """
    top = [token for token in read if token.depth == 0]
    found: list[Place] = []
    for index, token in enumerate(top):
        if token.kind == "name" and token.word not in KEYWORDS:
            raise Refused(
                f"`{token.text}` is not a keyword: the update dataset cannot be written into "
                "this update. Put spaces between keywords."
            )
        if token.word != "WHERE":
            continue
        if index == 0 or top[index - 1].word != "DELETE":
            found.append((token.start, None))
            continue
        pattern = top[index + 1 : index + 3]
        if [part.text for part in pattern] == ["{", "}"]:
            found.append((token.start, (pattern[0].start, pattern[1].start + 1)))
        # else no QuadPattern follows: left as written, for the engine to report
    return found


def _insert(text: str, places: list[Place], clauses: str) -> str:
    """The clauses written into the text as sent, at the places read in its decoded text."""
    pieces: list[tuple[int, str]] = []
    for at, pattern in places:
        piece = f" {clauses} "
        if pattern is not None:
            start, end = (_as_sent(text, offset) for offset in pattern)
            piece = f" {text[start:end]}{piece}"
        pieces.append((_as_sent(text, at), piece))
    for where, piece in reversed(pieces):
        text = f"{text[:where]}{piece}{text[where:]}"
    return text


def _as_sent(text: str, decoded_at: int) -> int:
    """Where the character at `decoded_at` of the decoded text begins in `text` as sent."""
    shift = 0
    for escape in ESCAPE.finditer(text):
        if escape.start() - shift >= decoded_at:
            break
        shift += len(escape.group()) - 1
    return decoded_at + shift
