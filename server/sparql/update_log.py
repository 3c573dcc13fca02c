"""The update log: accepted SPARQL updates, one checksummed record a line, replayed in order.

Every process applies an accepted update to its own copy of the store, so the log is the one
shared truth. Each record is framed (`update_records.py`, docs/endpoint.md) so a torn or
corrupt record is found: a torn tail is cut, never appended to, and a record that cannot be
replayed stops the start with `UpdateLogError` rather than leaving processes to disagree.
Replays pass the same fetch fence as live updates and a time limit. No Flask here: the CLI's
`updates check | repair | reset` (`update_log_repair.py`) use the same reading.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .query_guard import Policy, check_fetches, check_shape, scan
from .refused import Refused, network_refused
from .timeouts import THREADS, QueryTimeout
from .update_records import Record, encode, parse

if TYPE_CHECKING:
    from ..store.backend import Backend  # store.py imports Flask; this module must not

log = logging.getLogger(__name__)

REPLAY_LIMIT_FACTOR = 2.0  # a record may take this many times QUERY_TIMEOUT to replay
MOVE_ON = (
    "Run `alliance-kg updates check` to list every problem, then `alliance-kg updates repair "
    "--drop {number}` to drop this record (the original log is kept as a .bak copy)."
)


class UpdateLogError(Exception):
    """The log cannot be replayed as it stands; the message names the file, record and remedy."""


def fence_of(config: Mapping[str, Any]) -> Policy:
    """The limits live updates are checked against, for checking replays the same way."""
    return Policy(
        graphs=frozenset(),
        max_nesting=config.get("MAX_QUERY_NESTING", 64),
        max_groups=config.get("MAX_QUERY_GROUPS", 1000),
        max_operators=config.get("MAX_QUERY_OPERATORS", 2000),
    )


def _guard(text: str, fence: Policy, store: Backend) -> None:
    """What a live update could not do, a replayed one may not: fetch, go random, nest deep."""
    found = scan(text)
    check_shape(found, fence)
    if found.from_graphs or found.from_named:  # USING names the dataset's graphs, as live
        fence = replace(fence, graphs=frozenset(store.named_graphs() | set(store.graphs)))
    check_fetches(found, fence)
    if found.nondeterministic:
        raise Refused(f"{found.nondeterministic[0]}() would differ between processes")


def replay(store: Backend, record: Record, fence: Policy, limit: float | None) -> str | None:
    """Apply one good record to `store`; None, or why it could not be applied."""
    try:
        _guard(record.update, fence, store)
        if limit:
            THREADS.run(lambda: store.update(record.update), limit)
        else:
            store.update(record.update)
    except Refused as error:
        return f"refused by the update fence: {error.message}"
    except QueryTimeout:
        return f"took longer than {limit:g} s to replay ({REPLAY_LIMIT_FACTOR:g} x QUERY_TIMEOUT)"
    except SyntaxError as error:
        return f"syntax error: {error}"
    except (RuntimeError, ValueError, OSError) as error:  # the engine's refusals, rolled back
        return f"the engine refused it: {error}"
    return None


def describe(path: Path, record: Record, why: str) -> str:
    return f"{path}: record {record.number} (byte {record.offset}) {why}"


def failure(path: Path, record: Record, why: str) -> UpdateLogError:
    """The error that stops a start, with the way forward."""
    return UpdateLogError(
        f"{describe(path, record, 'cannot be replayed: ' + why)}. The server does not start on "
        f"an update log it cannot replay in full. {MOVE_ON.format(number=record.number)}"
    )


@dataclass
class UpdateLog:
    """The accepted updates of one dataset, shared by every process through a file.

    `reload` serves a fresh store of the build through the app's one store swap, which has this
    log `adopt` it: to undo an update whose record could not be written and to follow a log
    deleted or replaced under us. Without it, those refuse updates until a restart.
    """

    path: Path
    store: Backend
    reload: Callable[[], None] | None = None
    fence: Policy = field(default_factory=lambda: Policy(graphs=frozenset()))
    protect: Callable[[Backend], str] | None = None  # digest of what updates may not change
    limit: float | None = None
    offset: int = 0
    count: int = 0
    digest: int = 0  # CRC-32 of the applied records' texts, in order: part of the version
    broken: str | None = None  # why updates are refused until a restart
    identity: tuple[int, int] | None = None  # (device, inode) of the file read
    holding: bool = False  # this process holds the file lock (inside `apply`)
    lock: threading.RLock = field(default_factory=threading.RLock)  # `--dev` uses threads
    base_version: str = field(init=False, default="")
    protected: tuple[object, str | None] = field(init=False, default=(None, None))

    def __post_init__(self) -> None:
        self.adopt(self.store)

    def adopt(self, store: Backend) -> None:
        """Replay the whole log onto `store`, a fresh store of a build, and update it from now
        on, refusing nothing; `UpdateLogError` naming the record, with nothing changed, if one
        fails."""
        with self.lock:
            records, identity = self._read()
            offset, count, digest = self._replay_all(store, records)
            self.store, self.base_version, self.broken = store, store.version, None
            self.protected = (None, None)
            self.offset, self.count, self.identity = offset, count, identity
            self.digest = digest
            self._set_version()

    def _set_version(self) -> None:
        """`{build}+{n}-{crc}`: a log reset or repaired back to n records never repeats a version,
        so no cache or client ETag can take the new content for the old."""
        self.store.version = (
            f"{self.base_version}+{self.count}-{self.digest:08x}"
            if self.count
            else self.base_version
        )

    def _read(self) -> tuple[list[Record], tuple[int, int] | None]:
        """Every record, after cutting a torn tail under the lock (no writer is mid-record)."""
        try:
            handle = self.path.open("r+b")
        except FileNotFoundError:
            return [], None
        except OSError as error:
            raise UpdateLogError(f"{self.path}: cannot open the update log: {error}") from None
        with handle:
            if not self.holding:
                fcntl.flock(handle, fcntl.LOCK_EX)  # released when the handle closes
            records = parse(handle.read())
            if records and records[-1].torn:
                tail = records.pop()
                log.warning(
                    "%s; cut off, %d record(s) kept",
                    describe(self.path, tail, f"is torn ({tail.problem})"),
                    len(records),
                )
                os.ftruncate(handle.fileno(), tail.offset)
                os.fsync(handle.fileno())
            stat = os.fstat(handle.fileno())
            return records, (stat.st_dev, stat.st_ino)

    def _replay_all(self, store: Backend, records: list[Record]) -> tuple[int, int, int]:
        """Replay `records` onto `store`: the (offset, count, digest) reached, or
        `UpdateLogError`."""
        offset = count = digest = 0
        for record in records:
            why = record.problem or replay(store, record, self.fence, self.limit)
            if why is not None:
                raise failure(self.path, record, why)
            offset, count = record.end, record.number
            digest = zlib.crc32(record.update.encode(), digest)
        return offset, count, digest

    def sync(self) -> None:
        """Apply what other processes appended since the last look; follow a vanished log."""
        with self.lock:
            if self.broken:
                return
            try:
                stat = self.path.stat()
            except FileNotFoundError:
                if self.identity is not None:
                    self._rebuild("was deleted or moved away")
                return
            if self.identity not in (None, (stat.st_dev, stat.st_ino)):
                self._rebuild("was replaced by another file")
            elif stat.st_size < self.offset:
                self._rebuild("shrank below the records this process had applied")
            elif stat.st_size > self.offset:
                self._catch_up()

    def _catch_up(self) -> None:
        with self.path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            self.identity = (stat.st_dev, stat.st_ino)
            handle.seek(self.offset)
            pending = handle.read()
        end = self.offset + len(pending)
        for record in parse(pending, self.offset, self.count):
            if record.end == end and not pending.endswith(b"\n"):
                break  # a writer is mid-record (or crashed there: the next writer cuts it)
            why = record.problem or replay(self.store, record, self.fence, self.limit)
            if why is not None:
                self._break(describe(self.path, record, f"cannot be replayed: {why}"))
                return
            self.offset, self.count = record.end, record.number
            self.digest = zlib.crc32(record.update.encode(), self.digest)
        self._set_version()

    def _break(self, why: str) -> None:
        self.broken = why
        log.error("%s; updates are refused until the server restarts", why)

    def _rebuild(self, why: str) -> bool:
        """Serve the build afresh with the log as it is now, so no process keeps a divergent
        state; without `reload`, refuse updates until a restart."""
        if self.reload is None:
            self._break(f"the update log {self.path} {why}")
            return False
        log.error("the update log %s %s: reloading the build and replaying the log", self.path, why)
        try:
            self.reload()  # back through `adopt`
        except (UpdateLogError, OSError) as error:
            self._break(f"the update log {self.path} {why}, and reloading failed: {error}")
            return False
        return True

    def apply(self, text: str) -> None:
        """Run one update here and record it before answering; an update whose record could
        not be written is undone in this process and refused with a 500 (logged here)."""
        with self.lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = self._lock_file()
            self.holding = True
            try:
                self.sync()
                if self.broken:
                    raise Refused(
                        f"Updates are refused until the server restarts: {self.broken}.", 503
                    )
                self._cut_tail(fd)
                before = self._protected()
                try:
                    self.store.update(text)  # transactional in the engine
                except SyntaxError as error:
                    raise Refused(f"Syntax error: {error}") from None
                except RuntimeError as error:  # the engine's evaluation errors, rolled back
                    raise Refused(f"The update failed and changed nothing: {error}") from None
                except PermissionError:  # the engine opened a socket in the sandbox
                    raise network_refused() from None
                if self.protect is not None and self.protect(self.store) != before:
                    raise self._undo_change()
                self._write(fd, text)
                self.protected = (self._state(), before)  # unchanged, as just checked
            finally:
                self.holding = False
                os.close(fd)  # and with it the lock

    def _state(self) -> object:
        return (self.count, self.digest)  # `adopt` forgets the digest of the store before

    def _protected(self) -> str | None:
        """The digest of what updates may not change, kept while the store and log stay."""
        if self.protect is None:
            return None
        if self.protected[0] != self._state():
            self.protected = (self._state(), self.protect(self.store))
        return self.protected[1]

    def _undo_change(self) -> Refused:
        """An update changed an asserted graph although the fence let it pass (the fence reads
        the text; this compares the data): serve the build again without it."""
        log.error("%s: an update changed a read-only graph; not recorded", self.path)
        refused = "This update changed a read-only graph (the built graphs; UPDATE_ALLOW_ASSERTED)"
        if self._rebuild("refused an update that changed a read-only graph"):
            return Refused(f"{refused}; it was not applied: nothing changed.", 403)
        return Refused(
            f"{refused}. This process could not undo it and refuses updates until the server "
            "restarts; after a restart the dataset is served without it.",
            500,
        )

    def _lock_file(self) -> int:
        """The log's descriptor, locked; retried if the file was moved away while we waited."""
        while True:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            fcntl.flock(fd, fcntl.LOCK_EX)
            mine = os.fstat(fd)
            try:
                current = self.path.stat()
            except FileNotFoundError:
                current = None
            if current is not None and os.path.samestat(current, mine):
                return fd
            os.close(fd)

    def _cut_tail(self, fd: int) -> None:
        """Bytes past the last good record, seen with the lock held, are a torn record."""
        size = os.fstat(fd).st_size
        if size > self.offset:
            log.warning(
                "%s: record %d (byte %d) is torn (%d bytes no writer finished); cut off",
                self.path, self.count + 1, self.offset, size - self.offset,
            )  # fmt: skip
            os.ftruncate(fd, self.offset)

    def _write(self, fd: int, text: str) -> None:
        line = encode(text)
        try:
            written = 0
            while written < len(line):
                written += os.write(fd, line[written:])
            os.fsync(fd)
        except OSError as error:
            raise self._undo(fd, error) from None
        stat = os.fstat(fd)
        self.offset, self.count = self.offset + len(line), self.count + 1
        self.digest = zlib.crc32(text.encode(), self.digest)
        self.identity = (stat.st_dev, stat.st_ino)
        self._set_version()

    def _undo(self, fd: int, error: OSError) -> Refused:
        """Cut what was written of the record and rebuild this process's store without it."""
        log.error("%s: writing record %d failed: %s", self.path, self.count + 1, error)
        not_recorded = (
            f"The update was not recorded: writing the update log failed ({error.strerror})."
        )
        try:
            os.ftruncate(fd, self.offset)
        except OSError as again:
            self._break(f"the update log {self.path} may end in a failed record ({again})")
        if not self.broken and self._rebuild("could not record an update"):
            return Refused(f"{not_recorded} It was not applied: nothing changed.", 500)
        return Refused(
            f"{not_recorded} This process could not undo it and refuses updates until the "
            "server restarts; after a restart the dataset is served without it.",
            500,
        )
