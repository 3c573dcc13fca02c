"""The `alliance-kg` command: one subcommand per operation, each a thin call into the pipeline."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path
from typing import Any

from .authoring import add_source, new_term
from .authoring.turtle_format import format_file
from .pipeline import diff
from .pipeline.build import build_project, check_project, current_build
from .pipeline.export import FORMATS, export
from .pipeline.problems import InvalidProject
from .pipeline.publish import Credentials, GraphStore, PublishError, publish
from .pipeline.synthetic import essays_for, write_dataset
from .project import Project
from .query_output import GRAPH_FORMATS, RESULT_FORMATS, render
from .serving import add_serve_arguments, reported, run_serve
from .store.embedded import Store


def _ensure_build(project: Project) -> Path:
    return current_build(project) or build_project(project)


def cmd_validate(args: argparse.Namespace, project: Project) -> int:
    checked = check_project(project)
    print("Sentence coverage (sentences supporting at least one asserted fact):")
    print("\n".join(checked.coverage.lines()))
    print(f"Inferred triples: {checked.inferred}")
    if checked.problems:
        for problem in sorted(checked.problems):
            print(problem, file=sys.stderr)
        print(f"validation failed: {len(checked.problems)} problem(s)", file=sys.stderr)
        return 1
    print("valid")
    return 0


def cmd_build(args: argparse.Namespace, project: Project) -> int:
    target = build_project(project)
    print(f"built {target.name} in {target.parent}")
    return 0


def cmd_export(args: argparse.Namespace, project: Project) -> int:
    data = export(_ensure_build(project), args.format)
    if args.output and args.output != "-":
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_query(args: argparse.Namespace, project: Project) -> int:
    if args.expression is not None:
        text = args.expression
    elif args.file in (None, "-"):
        text = sys.stdin.read()
    else:
        text = Path(args.file).read_text("utf-8")
    store = Store.open(_ensure_build(project))
    try:
        results = store.query(text)
    except SyntaxError as error:
        print(f"query error: {error}", file=sys.stderr)
        return 2
    sys.stdout.buffer.write(render(results, args.format))
    return 0


def cmd_fmt(args: argparse.Namespace, project: Project) -> int:
    changed = []
    for path in project.formatted_files():
        formatted = format_file(path)
        if path.read_text("utf-8") != formatted:
            changed.append(path)
            if not args.check:
                path.write_text(formatted, "utf-8")
    for path in changed:
        verb = "would reformat" if args.check else "reformatted"
        print(f"{verb} {path.relative_to(project.root)}")
    return 1 if args.check and changed else 0


def cmd_publish(args: argparse.Namespace, project: Project) -> int:
    password = args.password
    if args.user is not None and password is None:
        password = getpass.getpass(f"password of {args.user}: ")
    credentials = Credentials(args.user, password, args.token)
    store = GraphStore(args.graph_store_url, credentials)
    try:
        publish(_ensure_build(project), store, progress=lambda line: print(line, file=sys.stderr))
    except PublishError as error:
        print(f"publish failed: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_generate(args: argparse.Namespace, project: Project) -> int:
    build = _ensure_build(project)
    essays = args.essays or essays_for(args.triples, build)
    target = write_dataset(build, Path(args.output), essays, args.seed)
    print(f"wrote {essays} essays' worth to {target}")
    return 0


def cmd_serve(args: argparse.Namespace, project: Project) -> int:
    return run_serve(args, project)


def _served_settings(project: Project) -> dict[str, Any]:
    """The settings `serve` would read: defaults, instance `config.py`, environment."""
    from flask import Config  # noqa: PLC0415 - only `updates` needs the served settings

    from .config import defaults, from_environment  # noqa: PLC0415

    settings = Config(str(project.root / "instance"), defaults())
    settings.from_pyfile("config.py", silent=True)
    settings.update(from_environment())
    return dict(settings)


def cmd_updates(args: argparse.Namespace, project: Project) -> int:
    from .sparql import update_log  # noqa: PLC0415 - the log's tools load only for this command

    settings = _served_settings(project)
    configured = args.log or settings.get("UPDATE_LOG")
    path = Path(configured) if configured else project.root / "instance" / "updates.log"
    if args.action == "reset":
        backup = update_log.reset(path)
        print(f"moved {path} to {backup}; a running server reloads the build" if backup
              else f"{path}: no update log, nothing to do")  # fmt: skip
        return 0
    if not path.exists():
        print(f"{path}: no update log (no accepted updates)")
        return 0
    if args.action == "repair":
        backup = update_log.repair(path, set(args.drop))
        print(f"repaired {path}; the original is {backup}" if backup else f"{path}: unchanged")
    build = project.build_dir / "current"
    limit = update_log.REPLAY_LIMIT_FACTOR * float(settings["QUERY_TIMEOUT"])
    store = Store.open(build) if build.exists() else None
    found = update_log.inspect(path, store, update_log.fence_of(settings), limit)
    print(f"{path}: {found.records} record(s)" + ("" if store else "; no build to replay them"))
    if found.tail is not None:
        tail = found.tail
        print(f"record {tail.number} (byte {tail.offset}) is torn: {tail.problem}; a start or "
              "`alliance-kg updates repair` cuts it off", file=sys.stderr)  # fmt: skip
    for problem in found.problems:
        print(problem, file=sys.stderr)
    if found.problems:
        print("drop a record with `alliance-kg updates repair --drop N`", file=sys.stderr)
    return 1 if found.tail is not None or found.problems else 0


def add_updates_arguments(parser: argparse.ArgumentParser) -> None:
    """`updates check | repair [--drop N] | reset`, each with `--log FILE`."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--log", help="the update log (default: UPDATE_LOG or instance/updates.log)"
    )
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser(
        "check", parents=[common], help="replay the log over the build; report every problem"
    )
    repairer = actions.add_parser(
        "repair", parents=[common], help="cut a torn tail, drop named records (keeps a .bak)"
    )
    repairer.add_argument(
        "--drop", type=int, action="append", default=[], metavar="N", help="drop record N"
    )
    actions.add_parser("reset", parents=[common], help="start clean: move the log to a .bak")
    parser.set_defaults(run=cmd_updates)


EXTENSION_COMMANDS = (
    (new_term, "new-term", "add a class or property, with its annotations, to an ontology module"),
    (add_source, "add-source", "add a source text: segments, document resources, starter facts"),
    (diff, "diff", "compare two git revisions, projects or builds"),
)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="alliance-kg", description=__doc__)
    root.add_argument(
        "--project", help="project folder (default: $ALLIANCE_KG_HOME or the current folder)"
    )
    root.add_argument("-v", "--verbose", action="store_true", help="log progress")
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("validate", help="check every rule; print sentence coverage").set_defaults(
        run=cmd_validate
    )
    commands.add_parser("build", help="validate, reason and write build/current").set_defaults(
        run=cmd_build
    )
    exporter = commands.add_parser("export", help="write the whole built dataset")
    exporter.add_argument("--format", choices=sorted(FORMATS), default="nquads")
    exporter.add_argument("-o", "--output", help="output file (default: standard output)")
    exporter.set_defaults(run=cmd_export)
    query = commands.add_parser("query", help="run SPARQL against the built dataset")
    query.add_argument("file", nargs="?", help="a .rq file, or - for standard input")
    query.add_argument("-e", "--expression", help="the query text itself")
    query.add_argument("--format", choices=sorted({*RESULT_FORMATS, *GRAPH_FORMATS}))
    query.set_defaults(run=cmd_query)
    fmt = commands.add_parser(
        "fmt", help="rewrite ontology and triples as deterministic Turtle/TriG"
    )
    fmt.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a file would change"
    )
    fmt.set_defaults(run=cmd_fmt)
    for module, name, help_text in EXTENSION_COMMANDS:
        sub = commands.add_parser(name, help=help_text)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    publisher = commands.add_parser(
        "publish", help="replace the built graphs in a SPARQL store (Graph Store Protocol)"
    )
    publisher.add_argument(
        "graph_store_url", help="e.g. http://HOST:8890/sparql-graph-crud-auth (Virtuoso)"
    )
    authentication = publisher.add_mutually_exclusive_group()
    authentication.add_argument("--user", help="user for basic or digest authentication")
    authentication.add_argument("--token", help="bearer token, instead of --user")
    publisher.add_argument("--password", help="password of --user (default: ask)")
    publisher.set_defaults(run=cmd_publish)
    generator = commands.add_parser(
        "generate", help="write a build of N synthetic essays around the essay, for benchmarks"
    )
    size = generator.add_mutually_exclusive_group()
    size.add_argument("--essays", type=int, help="essays' worth, the built essay included")
    size.add_argument("--triples", type=int, default=1_000_000, help="about this many quads")
    generator.add_argument("--seed", type=int, default=0, help="same seed, same bytes")
    generator.add_argument("-o", "--output", required=True, help="build folder to write")
    generator.set_defaults(run=cmd_generate)
    add_updates_arguments(
        commands.add_parser("updates", help="check, repair or reset the update log")
    )
    serve = commands.add_parser("serve", help="serve the SPARQL endpoint and pages")
    add_serve_arguments(serve)
    serve.set_defaults(run=cmd_serve)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s"
    )
    project = Project.locate(args.project)
    try:
        return reported(lambda: args.run(args, project))
    except InvalidProject as failure:
        for problem in failure.problems:
            print(problem, file=sys.stderr)
        print(
            f"build failed: {len(failure.problems)} problem(s); the previous build is unchanged",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
