"""The update log's records on disk: one line each, `<length> <crc32> <json>`, so that a torn
or corrupt record is found (docs/endpoint.md). Lines of earlier versions, plain JSON, still read.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

FRAME = re.compile(rb"(\d{1,12}) ([0-9a-f]{8}) ")


@dataclass(frozen=True)
class Record:
    """One line of the log: where it lies, its update text, or why it cannot be replayed."""

    number: int  # from 1
    offset: int  # of its first byte
    end: int  # past its newline
    update: str = ""
    problem: str | None = None
    torn: bool = False  # bytes no writer finished or that fail their checksum: a tail to cut


def encode(update: str) -> bytes:
    """A record: payload length and CRC-32 in the clear, then the JSON payload, one line."""
    entry = {"time": datetime.now(UTC).isoformat(), "update": update}
    payload = json.dumps(entry, ensure_ascii=False).encode()
    return b"%d %08x " % (len(payload), zlib.crc32(payload)) + payload + b"\n"


def _frame_problem(line: bytes) -> str | None:
    """Why a line is not a whole record as written: torn by a crash, or changed since."""
    if not line.endswith(b"\n"):
        return f"incomplete: {len(line)} bytes and no closing newline"
    framed = FRAME.match(line)
    if framed is None:
        return None  # an unframed line of earlier versions: only its JSON can tell
    payload = line[framed.end() : -1]
    if len(payload) != int(framed[1]):
        return f"length mismatch: {len(payload)} bytes, the header says {framed[1]}"
    if zlib.crc32(payload) != int(framed[2], 16):
        return "checksum mismatch: the record's bytes changed after it was written"
    return None


def _decode(line: bytes) -> tuple[str, str | None, bool]:
    """(update, problem, torn) of one line, framed or in the plain JSON of earlier versions."""
    problem = _frame_problem(line)
    if problem is not None:
        return "", problem, True
    framed = FRAME.match(line)
    try:
        value = json.loads(line[framed.end() : -1] if framed else line)
    except ValueError as error:  # UnicodeDecodeError included; unframed, it looks torn
        return "", f"not valid JSON ({error})", framed is None
    if not isinstance(value, dict):
        problem = f"not a JSON object but {type(value).__name__}"
    elif not isinstance(value.get("update"), str):
        problem = "no string 'update' member"
    return (value["update"] if problem is None else ""), problem, False


def parse(data: bytes, offset: int = 0, number: int = 0) -> list[Record]:
    """The records of `data`, read from byte `offset` of the log after `number` records."""
    records: list[Record] = []
    start = 0
    while start < len(data):
        newline = data.find(b"\n", start)
        end = len(data) if newline < 0 else newline + 1
        number += 1
        update, problem, torn = _decode(data[start:end])
        records.append(Record(number, offset + start, offset + end, update, problem, torn))
        start = end
    return records
