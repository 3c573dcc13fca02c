"""The `alliance-kg` command: one subcommand per operation, each a thin call into the pipeline."""

from __future__ import annotations

import argparse
import getpass
import importlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .config import SettingsError
from .front.sandbox import SandboxUnavailable
from .package_data import MissingPackageData
from .pipeline.jobs import JOB_BYTES, JobLost, default_jobs
from .pipeline.problems import InvalidProject
from .project import Project
from .sparql.update_log import UpdateLogError

Runner = Callable[[argparse.Namespace, Project], int]
Declare = Callable[[argparse.ArgumentParser], None]
START_FAILURES: dict[type[Exception], str] = {
    UpdateLogError: "update log",
    SettingsError: "settings",
    MissingPackageData: "installation",
    SandboxUnavailable: "sandbox",
    JobLost: "jobs",
}


def _ensure_build(project: Project) -> Path:
    from .pipeline.build import build_project, current_build

    return current_build(project) or build_project(project)


def cmd_validate(args: argparse.Namespace, project: Project) -> int:
    from .pipeline.build import check_project
    from .pipeline.term_usage import SINGLE, vocabulary_line

    checked = check_project(project, jobs=args.jobs)
    print("Sentence coverage (sentences supporting at least one asserted fact):")
    print("\n".join(checked.coverage.lines()))
    print("Claim typing (sentences whose every fact has a claim kind, factuality and holder):")
    print("\n".join(checked.coverage.claim_lines()))
    print(f"Inferred triples: {checked.inferred}")
    print(vocabulary_line(checked.usage, checked.warnings))
    for warning in checked.warnings:
        print(f"{'info' if warning.rule == SINGLE else 'warning'}: {warning}")
    if checked.problems:
        for problem in sorted(checked.problems):
            print(problem, file=sys.stderr)
        print(f"validation failed: {len(checked.problems)} problem(s)", file=sys.stderr)
        return 1
    print("valid")
    return 0


def cmd_build(args: argparse.Namespace, project: Project) -> int:
    from .pipeline.build import build_project

    target = build_project(project, jobs=args.jobs)
    print(f"built {target.name} in {target.parent}")
    return 0


def cmd_export(args: argparse.Namespace, project: Project) -> int:
    from .pipeline.export import export

    data = export(_ensure_build(project), args.format)
    if args.output and args.output != "-":
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_query(args: argparse.Namespace, project: Project) -> int:
    from .query_output import render
    from .store.embedded import Store

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
    from .authoring.turtle_format import format_file

    changed, broken = [], []
    for path in project.formatted_files():
        try:
            formatted = format_file(path)
        except SyntaxError as error:
            print(_syntax_problem(project, path, error), file=sys.stderr)
            broken.append(path)
            continue
        if path.read_text("utf-8") != formatted:
            changed.append(path)
            if not args.check:
                path.write_text(formatted, "utf-8")
    for path in changed:
        verb = "would reformat" if args.check else "reformatted"
        print(f"{verb} {path.relative_to(project.root)}")
    return 1 if broken or (args.check and changed) else 0


def _syntax_problem(project: Project, path: Path, error: SyntaxError) -> str:
    """Where a file fails to parse, as the build reports it: the engine's parser (loaded only
    now, so that `fmt` stays light) names the line and column where rdflib's lands later."""
    from .pipeline.loading import SyntaxProblem, parse_file

    try:
        parse_file(path, project.root)
    except SyntaxProblem as problem:
        return str(problem)
    return f"{path.relative_to(project.root)}: [parse] {error}"


def cmd_publish(args: argparse.Namespace, project: Project) -> int:
    from .pipeline.publish import Credentials, GraphStore, PublishError, publish

    password = args.password
    if args.user is not None and password is None:
        password = getpass.getpass(f"password of {args.user}: ")
    credentials = Credentials(args.user, password, args.token)
    store = GraphStore(args.graph_store_url, credentials, args.graph_store_only)
    try:
        publish(_ensure_build(project), store, progress=sys.stderr)
    except PublishError as error:
        print(f"publish failed: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_generate(args: argparse.Namespace, project: Project) -> int:
    from .pipeline.synthetic import essays_for, write_dataset

    build = _ensure_build(project)
    essays = args.essays or essays_for(args.triples, build)
    target = write_dataset(build, Path(args.output), essays, args.seed)
    print(f"wrote {essays} essays' worth to {target}")
    return 0


def _served_settings(project: Project) -> dict[str, Any]:
    """The settings `serve` would read, checked as `serve` checks them."""
    from .config import load

    return load({}, instance=str(project.root / "instance"))


def cmd_updates(args: argparse.Namespace, project: Project) -> int:
    from .sparql import update_log, update_log_repair
    from .store.embedded import Store

    settings = _served_settings(project)
    configured = args.log or settings.get("UPDATE_LOG")
    path = Path(configured) if configured else Path(settings["INSTANCE_PATH"]) / "updates.log"
    if args.action == "reset":
        backup = update_log_repair.reset(path)
        print(f"moved {path} to {backup}; a running server reloads the build" if backup
              else f"{path}: no update log, nothing to do")  # fmt: skip
        return 0
    if not path.exists():
        print(f"{path}: no update log (no accepted updates)")
        return 0
    if args.action == "repair":
        backup = update_log_repair.repair(path, set(args.drop))
        print(f"repaired {path}; the original is {backup}" if backup else f"{path}: unchanged")
    build = project.build_dir / "current"
    limit = update_log.REPLAY_LIMIT_FACTOR * float(settings["QUERY_TIMEOUT"])
    store = Store.open(build) if build.exists() else None
    found = update_log_repair.inspect(path, store, update_log.fence_of(settings), limit)
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


def runs(command: Runner) -> Declare:
    """The declaration of a command without options of its own."""
    return lambda parser: parser.set_defaults(run=command)


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of jobs (1 or more)")
    return jobs


def with_jobs(command: Runner) -> Declare:
    """The declaration of a command that checks build units, several at once with `--jobs`."""

    def declare(parser: argparse.ArgumentParser) -> None:
        jobs = default_jobs()
        parser.add_argument(
            "--jobs",
            type=_jobs,
            default=jobs,
            metavar="N",
            help=f"build units checked at once, each in a process with a reasoner of its own "
            f"(default: one a core, as many as the memory available holds at "
            f"{JOB_BYTES / 1024**3:g} GiB each: {jobs})",
        )
        parser.set_defaults(run=command)

    return declare


def from_module(name: str) -> Declare:
    """The declaration of a command whose module (`name`, relative to this package) declares
    its options in `add_arguments` and does the work in `run`."""

    def declare(parser: argparse.ArgumentParser) -> None:
        module = importlib.import_module(name, __package__)
        module.add_arguments(parser)
        parser.set_defaults(run=module.run)

    return declare


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    from .pipeline.export import FORMATS

    parser.add_argument("--format", choices=sorted(FORMATS), default="nquads")
    parser.add_argument("-o", "--output", help="output file (default: standard output)")
    parser.set_defaults(run=cmd_export)


def add_query_arguments(parser: argparse.ArgumentParser) -> None:
    from .query_output import GRAPH_FORMATS, RESULT_FORMATS

    parser.add_argument("file", nargs="?", help="a .rq file, or - for standard input")
    parser.add_argument("-e", "--expression", help="the query text itself")
    parser.add_argument("--format", choices=sorted({*RESULT_FORMATS, *GRAPH_FORMATS}))
    parser.set_defaults(run=cmd_query)


def add_fmt_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a file would change"
    )
    parser.set_defaults(run=cmd_fmt)


def add_publish_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "graph_store_url", help="e.g. http://HOST:8890/sparql-graph-crud-auth (Virtuoso)"
    )
    authentication = parser.add_mutually_exclusive_group()
    authentication.add_argument("--user", help="user for basic or digest authentication")
    authentication.add_argument("--token", help="bearer token, instead of --user")
    parser.add_argument("--password", help="password of --user (default: ask)")
    parser.add_argument(
        "--graph-store-only",
        action="store_true",
        help="upload the union graph too, instead of having Virtuoso copy it (docs/remote.md)",
    )
    parser.set_defaults(run=cmd_publish)


def add_generate_arguments(parser: argparse.ArgumentParser) -> None:
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--essays", type=int, help="essays' worth, the built essay included")
    size.add_argument("--triples", type=int, default=1_000_000, help="about this many quads")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same bytes")
    parser.add_argument("-o", "--output", required=True, help="build folder to write")
    parser.set_defaults(run=cmd_generate)


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


def add_serve_command(parser: argparse.ArgumentParser) -> None:
    from .serving import add_serve_arguments, run_serve

    add_serve_arguments(parser)
    parser.set_defaults(run=run_serve)


COMMANDS: dict[str, tuple[str, Declare]] = {
    "validate": (
        "check every rule; print coverage and vocabulary warnings",
        with_jobs(cmd_validate),
    ),
    "report": (
        "list every problem and smell with its level (ERROR, WARN, INFO), as ROBOT's report",
        from_module(".pipeline.report_output"),
    ),
    "build": ("validate, reason and write build/current", with_jobs(cmd_build)),
    "export": ("write the whole built dataset", add_export_arguments),
    "query": ("run SPARQL against the built dataset", add_query_arguments),
    "fmt": ("rewrite ontology and triples as deterministic Turtle/TriG", add_fmt_arguments),
    "new-term": (
        "add a class or property, with its annotations, to an ontology module",
        from_module(".authoring.new_term"),
    ),
    "add-source": (
        "add a source text: segments, document resources, starter facts",
        from_module(".authoring.add_source"),
    ),
    "import-template": (
        "add facts from a CSV or TSV table, one row a fact, validated all or nothing",
        from_module(".authoring.import_template"),
    ),
    "diff": ("compare two git revisions, projects or builds", from_module(".pipeline.diff")),
    "examples": (
        "compare the example queries' answers with queries/expected/, or --update them",
        from_module(".pipeline.examples"),
    ),
    "publish": (
        "replace the built graphs in a SPARQL store (Graph Store Protocol)",
        add_publish_arguments,
    ),
    "generate": (
        "write a build of N synthetic essays around the essay, for benchmarks",
        add_generate_arguments,
    ),
    "updates": ("check, repair or reset the update log", add_updates_arguments),
    "serve": ("serve the SPARQL endpoint and pages", add_serve_command),
}


def parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The command line, declaring the options of the `chosen` command only: declaring them
    imports its module, so `alliance-kg --help` or `fmt` loads neither Flask nor the reasoner."""
    root = argparse.ArgumentParser(prog="alliance-kg", description=__doc__)
    root.add_argument(
        "--project", help="project folder (default: $ALLIANCE_KG_HOME or the current folder)"
    )
    root.add_argument("-v", "--verbose", action="store_true", help="log progress")
    commands = root.add_subparsers(dest="command", required=True)
    for name, (help_text, declare) in COMMANDS.items():
        command = commands.add_parser(name, help=help_text, add_help=name == chosen)
        if name == chosen:
            declare(command)
    return root


def reported(run: Callable[[], int]) -> int:
    """Run a command; a failure to start is one line on stderr and status 1, not a traceback."""
    try:
        return run()
    except tuple(START_FAILURES) as failure:
        label = next(name for kind, name in START_FAILURES.items() if isinstance(failure, kind))
        print(f"{label}: {failure}", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    chosen = parser().parse_known_args(argv)[0].command  # a first pass finds the command
    args = parser(chosen).parse_args(argv)
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
