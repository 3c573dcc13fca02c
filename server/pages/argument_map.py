"""The layout of the argument map: claims in columns by distance to the thesis, as SVG geometry.

Pure geometry, no Flask and no queries: the page draws what `draw` returns. The thesis stands
in the first column; every other claim in the column of its number of links from it (any
relation, either way, nesting included), so every link joins neighbouring columns or runs
inside one. Box sizes follow from the wrapped text, and boxes are stacked with a gap, so no two
overlap whatever the labels.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .claims import Argument, Claim, Link

BOX_WIDTH = 200
COLUMN_GAP = 60
ROW_GAP = 14
TOP = 34  # room for the column headings
PAD = 9
HEAD_LINE = 15  # the kind and factuality line, 11px type
TEXT_LINE = 16  # the paraphrase, 12.5px type
FOOT_LINE = 14  # the holder, when not the author, 11px type
PORT_GAP = 14  # px between the arrowheads at one side of a box
TEXT_SIZE = 12.5  # px, as site.css sets them
FOOT_SIZE = 11.0
BOLD = 11.0 * 1.05  # the head line: 11px, bold
ROOM = BOX_WIDTH - 2 * PAD
# Advance widths of DejaVu Sans in ems, by groups of characters; others: 0.64, capitals 0.74.
WIDTHS = (
    ("ijlIJ'|", 0.30),
    (" .,:;!·", 0.33),
    ("-()/[]", 0.40),
    ("frt", 0.42),
    ("csz", 0.56),
    ("kvxy", 0.60),
    ("w", 0.82),
    ("mMW", 0.99),
)


@dataclass(eq=False)
class Node:
    """A claim's box: position, size, and its text rows as (baseline, text, CSS class)."""

    claim: Claim
    layer: int
    order: int  # reading order, for stable ties
    x: float = 0
    y: float = 0
    width: float = BOX_WIDTH
    rows: list[tuple[float, str, str]] = field(default_factory=list)
    height: float = 0

    @property
    def middle(self) -> float:
        return self.y + self.height / 2


# The links at each side ("left", "right") of a box: the box at the other end, the link's index
# and which end of the link this is ("from", "to").
Ends = dict[tuple[Node, str], list[tuple[Node, int, str]]]


@dataclass(frozen=True)
class Edge:
    link: Link
    path: str


@dataclass(frozen=True)
class Column:
    x: float
    heading: str


@dataclass
class ArgumentMap:
    nodes: list[Node]
    edges: list[Edge]
    columns: list[Column]
    width: float
    height: float


def distances(argument: Argument) -> dict[Claim, int]:
    """Each claim's number of links from the thesis (without one: from the claims that link
    to no other), following links either way; a claim they cannot reach has none."""
    neighbours: dict[Claim, list[Claim]] = {claim: [] for claim in argument.claims}
    for link in argument.links:
        neighbours[link.source].append(link.target)
        neighbours[link.target].append(link.source)
    thesis = argument.thesis
    roots = [thesis] if thesis else [c for c in argument.claims if not c.outgoing]
    found = {root: 0 for root in roots}
    queue = deque(roots)
    while queue:
        claim = queue.popleft()
        for other in neighbours[claim]:
            if other not in found:
                found[other] = found[claim] + 1
                queue.append(other)
    return found


def heading(layer: int, reached: bool, has_thesis: bool) -> str:
    """The heading of a column."""
    if not reached:
        return "Not linked to the thesis" if has_thesis else "Not linked"
    if layer == 0:
        return "Thesis" if has_thesis else "Conclusions"
    away = "the thesis" if has_thesis else "a conclusion"
    return f"{layer} link{'' if layer == 1 else 's'} from {away}"


def text_width(text: str, size: float) -> float:
    """The width of `text` at `size` px in DejaVu Sans, the widest common sans-serif."""
    return size * sum(next((w for group, w in WIDTHS if c in group), _default(c)) for c in text)


def _default(char: str) -> float:
    return 0.74 if char.isupper() else 0.64


def wrap(text: str, size: float, room: float) -> list[str]:
    """`text` in lines that fit `room` px at `size` px, broken between words."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(lines[-1] + " " + word, size) <= room:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _rows(claim: Claim, author: str | None) -> list[tuple[float, str, str]]:
    words = [t.text for t in (claim.kind, claim.factuality) if t is not None]
    rows: list[tuple[float, str, str]] = []
    y = PAD
    for line in wrap(" · ".join(["Thesis", *words] if claim.thesis else words), BOLD, ROOM):
        y += HEAD_LINE
        rows.append((y - 4, line, "head"))
    y = max(y, PAD + HEAD_LINE) + 2
    for line in wrap(claim.term.text, TEXT_SIZE, ROOM):
        y += TEXT_LINE
        rows.append((y - 4, line, "text"))
    if claim.holder is not None and claim.holder.value != author:
        for line in wrap("according to " + claim.holder.text, FOOT_SIZE, ROOM):
            y += FOOT_LINE
            rows.append((y - 2, line, "foot"))
    return rows


def _order(columns: list[list[Node]], parents: dict[Node, list[Node]]) -> None:
    """Place the columns left to right: each box as near its parents' height as the boxes
    above it allow, the boxes of a column in the order of their parents' heights."""
    for index, column in enumerate(columns):
        if index:
            column.sort(key=lambda node: (_mean(parents[node]), node.order))
        y = float(TOP)
        for node in column:
            wanted = _mean(parents[node]) - node.height / 2 if parents[node] else y
            node.x, node.y = index * (BOX_WIDTH + COLUMN_GAP), max(y, wanted)
            y = node.y + node.height + ROW_GAP


def _mean(nodes: list[Node]) -> float:
    return sum(node.middle for node in nodes) / len(nodes) if nodes else 0.0


def _ends(argument: Argument, by_claim: dict[Claim, Node]) -> Ends:
    """The links at each side of each box: a link between columns leaves the nearer box on
    its right and reaches the farther one on its left; inside a column, both on the right."""
    ends: Ends = {}
    for index, link in enumerate(argument.links):
        start, end = by_claim[link.source], by_claim[link.target]
        same = start.layer == end.layer
        for node, other, end_name in ((start, end, "from"), (end, start, "to")):
            side = "right" if same or node.layer < other.layer else "left"
            ends.setdefault((node, side), []).append((other, index, end_name))
    return ends


def _paths(argument: Argument, ends: Ends) -> list[Edge]:
    """One path per link, the links at each side of a box spread along it in the order of the
    boxes at their other ends, so that they do not cross there."""
    points: dict[tuple[int, str], tuple[float, float]] = {}
    for (node, side), attached in ends.items():
        ordered = sorted(attached, key=lambda end: (end[0].middle, end[1]))
        x = node.x + node.width if side == "right" else node.x
        for rank, (_, index, end_name) in enumerate(ordered):
            points[(index, end_name)] = (x, node.y + node.height * (rank + 1) / (len(ordered) + 1))
    edges = []
    for index, link in enumerate(argument.links):
        (x1, y1), (x2, y2) = points[(index, "from")], points[(index, "to")]
        # inside one column: an arc out to the right and back; else an S-curve across the gap
        bend = x1 + min(COLUMN_GAP - 18, 16 + abs(y2 - y1) / 8) if x1 == x2 else (x1 + x2) / 2
        path = f"M{x1:.1f},{y1:.1f} C{bend:.1f},{y1:.1f} {bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
        edges.append(Edge(link, path))
    return edges


def draw(argument: Argument, author: str | None = None) -> ArgumentMap:
    """The map of `argument`; `author` is the IRI of the holder whose name goes unsaid."""
    found = distances(argument)
    unreached = max(found.values(), default=-1) + 1
    nodes = [
        Node(claim, found.get(claim, unreached), index)
        for index, claim in enumerate(argument.claims)
    ]
    by_claim = {node.claim: node for node in nodes}
    ends = _ends(argument, by_claim)
    for node in nodes:
        node.rows = _rows(node.claim, author)
        node.height = max((row[0] for row in node.rows), default=PAD) + PAD + 4
    for (node, _side), attached in ends.items():  # room for every arrowhead at a side
        node.height = max(node.height, PORT_GAP * (len(attached) + 1))
    count = max((node.layer for node in nodes), default=-1) + 1
    columns = [[node for node in nodes if node.layer == k] for k in range(count)]
    parents: dict[Node, list[Node]] = {node: [] for node in nodes}
    for link in argument.links:
        start, end = by_claim[link.source], by_claim[link.target]
        if start.layer != end.layer:
            near, far = sorted((start, end), key=lambda node: node.layer)
            parents[far].append(near)
    _order(columns, parents)
    height = max((node.y + node.height for node in nodes), default=TOP)
    has_thesis = argument.thesis is not None
    headings = [
        Column(k * (BOX_WIDTH + COLUMN_GAP), heading(k, k < unreached, has_thesis))
        for k in range(count)
    ]
    width = count * (BOX_WIDTH + COLUMN_GAP) - COLUMN_GAP if count else BOX_WIDTH
    return ArgumentMap(nodes, _paths(argument, ends), headings, width, height)
