"""The ``ruse-research`` command line (also ``python -m ruse_research``).

Commands: ``list``, ``run [RUN ...] [--force] [--jobs N]``, ``validate FILE --codebook NAME``,
``refresh [NOTEBOOK ...] [--profile ID]``, ``map EXPORT --codebook NAME [--out MAP.yaml] [--form XLSFORM]``,
``import EXPORT --map MAP.yaml --codebook NAME --out FILE [--set ITEM=VALUE ...] [--append]``,
``trace PATH``, ``verify RUN_DIR`` (exit 1 when a run's inputs changed). Errors caused by input (``RuseError``) print one line on stderr (a
``DataError`` prints each problem on its own line) and exit with code 2; ``--debug`` shows the
traceback. Heavy libraries are imported only by the commands that need them.

Examples
--------
>>> from ruse_research.cli import main
>>> main(["run", "no_such_run"])  # the one-line message goes to stderr
2
"""

from __future__ import annotations

import argparse
import os
import sys

from ruse_research.errors import DataError, RuseError, printable_line


def _echo(line: str) -> None:
    print(line, flush=True)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _assignment(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not ITEM=VALUE (e.g. wave=1)")
    return name.strip(), value.strip()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ruse-research``.

    Examples
    --------
    >>> build_parser().parse_args(["run", "a.en", "--jobs", "2"]).jobs
    2
    """
    parser = argparse.ArgumentParser(
        prog="ruse-research",
        description="Run the ruse_research study: parameterised notebooks -> reports in outputs/.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("list", help="list the runs in params/ with their notebook and status")

    run = sub.add_parser("run", help="execute runs (all by default) and write outputs/ and outputs/index.html")
    run.add_argument("runs", nargs="*", metavar="RUN", help="run names (params file stems, expanded "
                     "run-matrix names) or patterns, e.g. staff_attitudes.bg, 'stakeholder_opinions.*.bg'")
    run.add_argument("--force", action="store_true", help="execute even runs whose inputs did not change")
    run.add_argument("--jobs", "-j", type=_positive_int, default=None,
                     help=f"runs executed in parallel (default: number of CPUs, here {os.cpu_count()})")
    run.add_argument("--executor", default="local", metavar="ADDRESS",
                     help="where runs execute: local (process pool, default), dask (a LocalCluster of "
                     "--jobs workers) or dask://HOST:PORT (a running 'dask scheduler')")
    run.add_argument("--debug", action="store_true", help="show tracebacks")
    run.add_argument("--allow-notebook", action="append", default=[], metavar="PATH",
                     help="let a params file run this notebook although it is not a tracked "
                     "notebook of notebooks/ (its hash goes into the provenance)")
    run.add_argument("--allow-input", action="append", default=[], metavar="PATH",
                     help="let a params file read this input file outside the project (it is "
                     "still validated against its codebook)")

    validate = sub.add_parser("validate", help="check a data file against a codebook")
    validate.add_argument("file", metavar="FILE")
    validate.add_argument("--codebook", required=True, metavar="NAME_OR_PATH",
                          help="codebook name (data/codebooks/<name>.yaml) or path to a codebook YAML")
    validate.add_argument("--debug", action="store_true", help="show tracebacks")
    validate.add_argument("--sheet", default=None, metavar="NAME",
                          help="the sheet of an .xlsx workbook to read (needed when several "
                          "sheets hold survey data)")

    mapper = sub.add_parser("map", help="write a starter mapping of a survey tool's export "
                            "onto a codebook")
    mapper.add_argument("export", metavar="EXPORT",
                        help="Google Forms, LimeSurvey, KoBoToolbox or SPSS export (.csv/.xlsx/.sav)")
    mapper.add_argument("--codebook", required=True, metavar="NAME_OR_PATH")
    mapper.add_argument("--out", metavar="MAP.yaml", default=None,
                        help="where to write the mapping (default: EXPORT's name + .map.yaml)")
    mapper.add_argument("--form", metavar="XLSFORM.xlsx", default=None,
                        help="the XLSForm of a KoBoToolbox export: its labels (label::Language "
                        "(code)) name the export's columns and choices")
    mapper.add_argument("--debug", action="store_true", help="show tracebacks")

    importer = sub.add_parser("import", help="apply a mapping: write the export in the "
                              "codebook's format, validated")
    importer.add_argument("export", metavar="EXPORT")
    importer.add_argument("--map", required=True, metavar="MAP.yaml", dest="map_file")
    importer.add_argument("--codebook", required=True, metavar="NAME_OR_PATH")
    importer.add_argument("--out", required=True, metavar="FILE",
                          help="output .csv or .sav (with value labels)")
    importer.add_argument("--set", action="append", default=[], metavar="ITEM=VALUE",
                          dest="sets", type=_assignment,
                          help="a value for every row of an item the export lacks, e.g. wave=1")
    importer.add_argument("--append", action="store_true",
                          help="add the rows after those of an existing .csv FILE (another wave "
                          "or tool); generated ids go on from its row count")
    importer.add_argument("--lang", default="bg", choices=["bg", "en"],
                          help="language of the .sav value labels")
    importer.add_argument("--debug", action="store_true", help="show tracebacks")

    trace = sub.add_parser("trace", help="print where a table, figure or report came from: "
                           "cell, package calls, inputs with hashes, parameters, environment")
    trace.add_argument("path", metavar="PATH", help="outputs/<run>/tables/<name>.csv, figures/<name>.png, report.html")
    trace.add_argument("--debug", action="store_true", help="show tracebacks")
    verify = sub.add_parser("verify", help="re-hash a run's inputs and lock file: exit 0 when they "
                            "match, 1 when anything changed")
    verify.add_argument("path", metavar="RUN_DIR", help="outputs/<run>")
    verify.add_argument("--debug", action="store_true", help="show tracebacks")

    refresh = sub.add_parser("refresh", help="re-execute notebooks in place with their default parameters")
    refresh.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="default: notebooks/NN_*.ipynb")
    refresh.add_argument("--jobs", "-j", type=_positive_int, default=None, help="notebooks executed in parallel")
    refresh.add_argument("--profile", metavar="ID", default=None,
                         help="region profile to execute under (an id under data/regions/ or a profile.yaml "
                              "path); default: the one each notebook records in metadata.ruse.profile")
    refresh.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


def _cmd_list(args: argparse.Namespace) -> int:
    from ruse_research import runner

    rows = runner.list_runs()
    if not rows:
        _echo("no runs: params/ holds no *.yaml files")
        return 0
    widths = {key: max(len(key), *(len(str(r[key])) for r in rows)) for key in ("run", "lang", "notebook")}
    _echo(f"{'run':<{widths['run']}}  {'lang':<{widths['lang']}}  {'notebook':<{widths['notebook']}}  status")
    for row in rows:
        _echo(f"{row['run']:<{widths['run']}}  {row['lang']:<{widths['lang']}}  "
              f"{row['notebook']:<{widths['notebook']}}  {row['status']}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    import time

    from ruse_research import paths, runner
    from ruse_research.runner import memo_prune

    started = time.time()
    outcome = runner.run_study(args.runs or None, force=args.force, jobs=args.jobs, echo=_echo,
                               allow_notebooks=args.allow_notebook, allow_inputs=args.allow_input,
                               executor=args.executor)
    memo_prune.prune(paths.project_root() / "outputs" / ".cache" / "memo", since=started)  # LRU size cap
    from ruse_research.campaign import step  # after the studies: their published results

    step.build_campaigns(force=args.force, echo=_echo, results=outcome.results)
    return outcome.exit_code


def _cmd_validate(args: argparse.Namespace) -> int:
    from ruse_research.data import io as ruse_io

    _echo(str(ruse_io.validate_file(args.file, args.codebook, sheet=args.sheet)))
    return 0


def _cmd_refresh(args: argparse.Namespace) -> int:
    from ruse_research import runner

    return runner.refresh_notebooks(args.notebooks or None, jobs=args.jobs, echo=_echo, profile=args.profile)


def _cmd_map(args: argparse.Namespace) -> int:
    from ruse_research.data.imports import mapping

    _echo(mapping.write_starter(args.export, args.codebook, args.out, form=args.form))
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from ruse_research.data.imports import apply

    _echo(apply.import_export(args.export, args.map_file, args.codebook, args.out,
                              dict(args.sets), lang=args.lang, append=args.append))
    return 0


def _cmd_trace(args: argparse.Namespace) -> int:
    from ruse_research.runner import trace

    return trace.trace(args.path, echo=_echo)


def _cmd_verify(args: argparse.Namespace) -> int:
    from ruse_research.runner import trace

    return trace.verify(args.path, echo=_echo)


COMMANDS = {"trace": _cmd_trace, "verify": _cmd_verify, "list": _cmd_list, "run": _cmd_run, "validate": _cmd_validate, "refresh": _cmd_refresh,
            "map": _cmd_map, "import": _cmd_import}


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Examples
    --------
    >>> main(["validate", "data/raw/staff.csv", "--codebook", "staff"])
    staff.csv: 98 rows, 66 columns, encoding utf-8, delimiter ',' - OK
    0
    """
    args = build_parser().parse_args(argv)
    from ruse_research._deferred import defer_rfc3987_syntax
    from ruse_research.runner import guard

    defer_rfc3987_syntax()  # nbformat's jsonschema would build an unused grammar: 2 s

    guard.watch_interrupts()
    try:
        return COMMANDS[args.command](args)
    except RuseError as error:
        if getattr(args, "debug", False):
            raise
        lines = error.report().splitlines() if isinstance(error, DataError) else [str(error)]
        for line in lines:
            print(f"ruse-research: {printable_line(line)}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return guard.interrupted()
    except OSError as error:  # read-only or full disk, a folder that is a file: one line
        if getattr(args, "debug", False):
            raise
        if guard.was_interrupted():
            return guard.interrupted()
        print(f"ruse-research: {printable_line(guard.describe_os_error(error))}", file=sys.stderr)
        return 2
    except Exception:
        if guard.was_interrupted() and not getattr(args, "debug", False):
            return guard.interrupted()  # e.g. a ZMQError while kernels shut down after Ctrl-C
        raise


if __name__ == "__main__":
    sys.exit(main())
