"""The update log (`update_log.py`): framed records, torn tails cut, bad records stop the start,
replays fenced and time-limited, failed writes undone, a vanished log followed, and the CLI's
`updates check | repair | reset`."""

from __future__ import annotations

import errno
import logging
import os
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from alliance_kg.app import create_app
from alliance_kg.cli import main
from alliance_kg.sparql import update_log
from alliance_kg.sparql.refused import Refused
from alliance_kg.sparql.update_log import UpdateLogError
from alliance_kg.sparql.update_records import encode
from alliance_kg.store.embedded import Store

from .endpoint_support import SOURCE_GRAPH, Canary, free_port, solutions, write_project

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MINE = "https://example.org/graph/mine"
COUNT_MINE = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{MINE}> {{ ?s ?p ?o }} }}"


def insert(value: str) -> str:
    return f"INSERT DATA {{ GRAPH <{MINE}> {{ <urn:a> <urn:b> '{value}' }} }}"


def mine(client: FlaskClient) -> int:
    return int(solutions(client.get("/sparql", query_string={"query": COUNT_MINE}))[0]["n"])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with a build; its log is `instance/updates.log`, as `serve` uses it."""
    return write_project(tmp_path / "project")


def log_of(project: Path) -> Path:
    return project / "instance" / "updates.log"


def start(project: Path, **overrides: Any) -> Flask:
    """An app over the project's build and log, as a new server process would be."""
    config = {
        "TESTING": True,
        "BUILD_DIR": str(project / "build" / "current"),
        "INSTANCE_PATH": str(project / "instance"),
        "UPDATE_TOKEN": TOKEN,
        "QUERY_TIMEOUT": 2.0,
        **overrides,
    }
    return create_app(config)


def post(client: FlaskClient, update: str) -> int:
    return client.post("/update", data={"update": update}, headers=AUTH).status_code


def write_log(project: Path, *records: bytes) -> Path:
    path = log_of(project)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(records))
    return path


def test_records_are_framed_lines_and_old_plain_json_lines_still_replay(project: Path) -> None:
    legacy = b'{"time": "2026-01-01T00:00:00+00:00", "update": "%s"}\n' % insert("old").encode()
    path = write_log(project, legacy)
    client = start(project).test_client()
    assert mine(client) == 1
    assert post(client, insert("new")) == 200
    lines = path.read_bytes().splitlines(keepends=True)
    assert lines[0] == legacy
    length, checksum, payload = lines[1].split(b" ", 2)
    assert int(length) == len(payload) - 1 and len(checksum) == 8
    assert mine(start(project).test_client()) == 2


@pytest.mark.parametrize(
    "torn",
    [encode(insert("torn"))[:-9], b'{"time": "2026-01-01T00:00:00+00:00", "upd'],
    ids=["framed", "plain-json"],
)
def test_a_torn_tail_is_cut_and_reported_and_the_next_update_survives_a_restart(
    project: Path, torn: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    first = encode(insert("kept"))
    path = write_log(project, first, torn)
    with caplog.at_level(logging.WARNING, logger="alliance_kg.sparql.update_log"):
        client = start(project).test_client()
    assert f"{path}: record 2 (byte {len(first)}) is torn" in caplog.text
    assert path.read_bytes() == first  # cut, never appended to
    assert post(client, insert("after")) == 200
    assert mine(start(project).test_client()) == 2


def test_a_tail_torn_by_a_crashed_writer_is_cut_before_the_next_append(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    writer, reader = start(project).test_client(), start(project).test_client()
    assert post(writer, insert("one")) == 200
    path = log_of(project)
    with path.open("ab") as handle:  # another worker died in the middle of its record
        handle.write(encode(insert("lost"))[:20])
    assert mine(reader) == 1  # the half record is not applied
    assert post(writer, insert("two")) == 200
    assert "record 2" in caplog.text and "torn" in caplog.text
    assert mine(reader) == 2  # the other process sees the acknowledged update
    assert mine(start(project).test_client()) == 2


def test_a_corrupt_record_in_the_middle_stops_the_start(project: Path) -> None:
    records = [encode(insert(value)) for value in ("a", "b", "c")]
    damaged = records[1].replace(b"'b'", b"'X'")
    path = write_log(project, records[0], damaged, records[2])
    with pytest.raises(UpdateLogError) as raised:
        start(project)
    message = str(raised.value)
    assert f"{path}: record 2 (byte {len(records[0])})" in message
    assert "checksum mismatch" in message
    assert "alliance-kg updates check" in message and "repair --drop 2" in message
    assert path.read_bytes() == b"".join([records[0], damaged, records[2]])  # left as found


def framed(payload: bytes) -> bytes:
    """A record framed by hand, holding any payload."""
    return b"%d %08x " % (len(payload), zlib.crc32(payload)) + payload + b"\n"


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (b"null\n", "not a JSON object"),
        (b"[1,2]\n", "not a JSON object"),
        (b'{"update": 5}\n', "no string 'update'"),
        (framed(b'{"time": 1}'), "no string 'update'"),
        (framed(b"not json"), "not valid JSON"),
        (b'{"update": "CREATE GRAPH <%s>"}\n' % SOURCE_GRAPH.encode(), "already exists"),
        (b'{"update": "INSERT DATA { <urn:a> <urn:b> "}\n', "syntax error"),
    ],
)
def test_a_record_that_cannot_be_replayed_stops_the_start_cleanly(
    project: Path, line: bytes, why: str
) -> None:
    path = write_log(project, encode(insert("good")), line)
    with pytest.raises(UpdateLogError) as raised:
        start(project)
    message = str(raised.value)
    assert message.startswith(f"{path}: record 2 (byte ")
    assert why in message
    assert "alliance-kg updates repair --drop 2" in message


@pytest.mark.parametrize("kind", ["LOAD", "SERVICE"])
def test_a_fetching_record_is_refused_at_replay_and_never_run(project: Path, kind: str) -> None:
    canary = Canary()
    try:
        fetching = (
            f"LOAD <{canary.url}> INTO GRAPH <{MINE}>"
            if kind == "LOAD"
            else f"INSERT {{ GRAPH <{MINE}> {{ ?s ?p ?o }} }} "
            f"WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}"
        )
        write_log(project, encode(fetching))
        with pytest.raises(UpdateLogError, match=f"record 1 .*refused.*{kind}"):
            start(project)
        time.sleep(0.3)
        assert canary.hits == 0
    finally:
        canary.close()


def test_a_slow_replay_stops_the_start_at_the_time_limit(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_log(project, encode(insert("slow")))
    never = threading.Event()  # a replay that cannot finish, however fast the machine
    monkeypatch.setattr(Store, "update", lambda self, sparql: never.wait())
    try:
        with pytest.raises(UpdateLogError, match=r"record 1 .*longer than 0\.1 s"):
            start(project, QUERY_TIMEOUT=0.05)
    finally:
        never.set()


@pytest.mark.parametrize("failing", ["fsync", "write"])
def test_a_failed_log_write_undoes_the_update_in_this_process(
    project: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    client, other = start(project).test_client(), start(project).test_client()
    assert post(client, insert("recorded")) == 200
    size = log_of(project).stat().st_size
    real_write = os.write

    def disk_full(fd: int, data: bytes = b"") -> int:
        if failing == "write":
            real_write(fd, data[: len(data) // 2])  # half a record reaches the disk
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(update_log.os, failing, disk_full)
    response = client.post("/update", data={"update": insert("lost")}, headers=AUTH)
    monkeypatch.undo()
    assert response.status_code == 500
    assert b"not recorded" in response.data and b"not applied" in response.data
    assert mine(client) == 1 and mine(other) == 1
    assert log_of(project).stat().st_size == size
    assert post(client, insert("later")) == 200
    assert mine(other) == 2 and mine(start(project).test_client()) == 2


def test_a_deleted_log_makes_every_process_reload_the_build(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = start(project).test_client(), start(project).test_client()
    assert post(first, insert("one")) == 200
    assert mine(second) == 1
    log_of(project).unlink()
    assert mine(first) == 0 and mine(second) == 0
    assert "was deleted or moved away" in caplog.text
    assert post(second, insert("two")) == 200
    assert mine(first) == 1
    etags = {c.get("/sparql?query=ASK%7B%7D").headers["ETag"] for c in (first, second)}
    assert len(etags) == 1


def test_a_log_replaced_by_another_file_is_followed(project: Path) -> None:
    client = start(project).test_client()
    for value in ("one", "two", "three"):
        assert post(client, insert(value)) == 200
    replacement = log_of(project).with_name("other.log")
    replacement.write_bytes(encode(insert("other")))
    replacement.replace(log_of(project))
    assert mine(client) == 1


def test_updates_are_refused_after_a_log_vanishes_when_no_build_can_be_reloaded(
    project: Path,
) -> None:
    given = Store.open(project / "build" / "current")
    client = start(project, STORE=given).test_client()
    assert post(client, insert("one")) == 200
    log_of(project).unlink()
    response = client.post("/update", data={"update": insert("two")}, headers=AUTH)
    assert response.status_code == 503
    assert b"until the server restarts" in response.data
    assert b"was deleted" in response.data


def cli(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--project", str(project), "updates", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_updates_check_reports_a_good_log(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(project, capsys, "check")[0] == 0  # no log yet
    write_log(project, encode(insert("a")), encode(insert("b")))
    code, out, err = cli(project, capsys, "check")
    assert code == 0 and "2 record(s)" in out and not err


def test_updates_check_reads_the_settings_as_serve_does(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A typo in instance/config.py stops `updates` as it stops `serve`, naming the setting."""
    (project / "instance").mkdir(exist_ok=True)
    (project / "instance" / "config.py").write_text("QUERY_TIMOUT = 5\n")
    code, _, err = cli(project, capsys, "check")
    assert code == 1
    assert "QUERY_TIMOUT" in err and "QUERY_TIMEOUT" in err  # did you mean
    assert "Traceback" not in err


def test_updates_check_reports_a_torn_tail_and_each_bad_record(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = encode(insert("a"))
    existing = b'{"update": "CREATE GRAPH <%s>"}\n' % SOURCE_GRAPH.encode()
    path = write_log(project, good, b"null\n", existing, good, good[:10])
    code, out, err = cli(project, capsys, "check")
    assert code == 1 and "5 record(s)" in out
    assert f"{path}: record 2 (byte {len(good)}) cannot be replayed: not a JSON object" in err
    assert "record 3" in err and "already exists" in err
    assert "record 5" in err and "torn" in err
    assert "Traceback" not in err
    assert path.read_bytes().endswith(good[:10])  # check changes nothing


def test_updates_repair_cuts_a_torn_tail_and_drops_named_records(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, torn = encode(insert("a")), encode(insert("b"))[:10]
    original = good + b"null\n" + good + torn
    path = write_log(project, original)
    code, out, err = cli(project, capsys, "repair")
    assert code == 1 and "record 2" in err  # the tail is gone, the bad record named
    assert path.read_bytes() == good + b"null\n" + good
    assert [b.read_bytes() for b in path.parent.glob("updates.log.*.bak")] == [original]
    code, out, err = cli(project, capsys, "repair", "--drop", "2")
    assert code == 0 and "2 record(s)" in out
    assert path.read_bytes() == good + good
    assert mine(start(project).test_client()) == 1  # the same triple inserted twice
    assert cli(project, capsys, "repair", "--drop", "9")[0] == 1


def test_updates_reset_moves_the_log_aside_and_a_running_server_follows(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = start(project).test_client()
    assert post(client, insert("a")) == 200
    recorded = log_of(project).read_bytes()
    code, out, _ = cli(project, capsys, "reset")
    assert code == 0 and "moved" in out
    assert not log_of(project).exists()
    assert [b.read_bytes() for b in log_of(project).parent.glob("*.bak")] == [recorded]
    assert mine(client) == 0
    assert mine(start(project).test_client()) == 0
    assert cli(project, capsys, "reset")[0] == 0  # nothing to move


def test_serve_stops_on_a_bad_log_with_a_message_not_a_traceback(project: Path) -> None:
    write_log(project, b"[1,2]\n")
    command = [sys.executable, "-m", "alliance_kg.cli", "--project", str(project), "serve"]
    done = subprocess.run(
        [*command, "--port", str(free_port()), "--update-token", TOKEN],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "record 1" in done.stderr and "not a JSON object" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_reset_log_never_repeats_a_dataset_version(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After a reset, the first new update must not carry the version (and so the ETags and
    cached results) of the first update before it."""
    client = start(project).test_client()
    ask = {"query": "ASK { ?s ?p ?o }"}
    assert post(client, insert("a")) == 200
    before = client.get("/sparql", query_string=ask).headers["ETag"]
    assert cli(project, capsys, "reset")[0] == 0
    assert post(client, insert("b")) == 200
    after = client.get("/sparql", query_string=ask)
    assert after.headers["ETag"] != before
    assert (
        client.get("/sparql", query_string=ask, headers={"If-None-Match": before}).status_code
        == 200
    )


def test_an_update_that_changes_a_built_graph_is_undone_whatever_the_fence_read(
    project: Path,
) -> None:
    """The last line of the fence compares the data, not the text: an update handed to the log
    directly (as if every reading of its text had missed the graph) is undone and refused, and
    nothing of it is recorded."""
    app = start(project)
    updates: update_log.UpdateLog = app.extensions["alliance_kg.sparql.updates"]
    count_built = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{SOURCE_GRAPH}> {{ ?s ?p ?o }} }}"
    client = app.test_client()
    built = solutions(client.get("/sparql", query_string={"query": count_built}))[0]["n"]
    assert post(client, insert("kept")) == 200
    for change in (
        f"INSERT DATA {{ GRAPH <{SOURCE_GRAPH}> {{ <urn:a> <urn:b> 'x' }} }}",
        f"DELETE WHERE {{ GRAPH <{SOURCE_GRAPH}> {{ ?s ?p ?o }} }}",
        f"INSERT DATA {{ GRAPH <{SOURCE_GRAPH}-new> {{ <urn:a> <urn:b> 'x' }} }}",
    ):
        with pytest.raises(Refused) as refused:
            updates.apply(change)
        assert refused.value.status == 403
        assert "read-only graph" in refused.value.message
        assert (
            solutions(client.get("/sparql", query_string={"query": count_built}))[0]["n"] == built
        )
    assert mine(client) == 1  # the accepted update before them is still there
    assert len(log_of(project).read_bytes().splitlines()) == 1
