"""``kpss run``: execute parameterised notebooks, one or fanned out over regions, into outputs/<run>/."""
from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
import textwrap
import traceback
from pathlib import Path

from kpss_lib.errors import ConfigError, KpssError

_EXAMPLES = """\
examples:
  kpss run notebooks/coverage_map.ipynb -p region "Zlínský kraj" --name seniori-zlinsky-kraj
  kpss run notebooks/params/seniori_zlinsky_kraj.yml
  kpss run notebooks/coverage_map.ipynb --fan-out orp --within "Zlínský kraj" --workers 2
  kpss run notebooks/coverage_map.ipynb --fan-out-values "ORP Zlín" "ORP Vsetín" --timeout 600
"""


def _epilog() -> str:
    from kpss_lib.runner import EXIT_CODES

    codes = "\n".join(textwrap.fill(meaning, width=100, initial_indent=f"  {code:<4} ", subsequent_indent=" " * 7)
                      for code, meaning in EXIT_CODES.items())
    return f"{_EXAMPLES}\nexit codes:\n{codes}\n"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run", help="run a parameterised notebook (or a YAML run file, or a fan-out over regions)",
        description="Runs notebooks with papermill in worker processes, with the project's own Python as "
                    "kernel. For each job: the executed notebook, an HTML report without code, and the "
                    "files the notebook writes to its output_dir, under <output dir>/<run name>/, with an "
                    "index.html and a manifest.json. Re-running a run replaces its folder atomically.",
        epilog=_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", metavar="NOTEBOOK_OR_RUNFILE",
                        help="a .ipynb notebook, or a .yml/.yaml run file (notebook, name, parameters, fan_out)")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"), default=[],
                        help="set a notebook parameter; the value is read as the type of the notebook's "
                             "default (text stays text, so codes keep leading zeros); lists as '[a, b]'")
    parser.add_argument("--params-file", type=Path, metavar="FILE",
                        help="YAML mapping of parameters (applied before -p)")
    parser.add_argument("--name", metavar="RUN_NAME",
                        help="run name, may use parameters: 'seniori-{region}' (default: notebook name, "
                             "plus the fan-out scope; for run files their 'name')")
    parser.add_argument("--job-name", metavar="TEMPLATE",
                        help="job name template, e.g. '{region}'; fields: parameters, label, code "
                             "(default: the region's name for fan-outs, the notebook name otherwise)")
    fan = parser.add_argument_group("fan-out (one job per region or value)")
    fan.add_argument("--fan-out", metavar="LEVEL", choices=("kraj", "okres", "orp", "obec"),
                     help="one job per unit of this level: kraj, okres, orp, obec")
    fan.add_argument("--within", metavar="REGION",
                     help="only the units inside this region, e.g. 'Zlínský kraj' (default: all of CZ)")
    fan.add_argument("--fan-out-values", nargs="+", metavar="VALUE",
                     help="one job per given value instead of a level (e.g. micro-region names)")
    fan.add_argument("--fan-out-parameter", default=None, metavar="NAME",
                     help="the parameter that receives each value (default: region)")
    fan.add_argument("--inject", choices=("code", "name"), default=None,
                     help="what a unit passes: its code (7205, default) or its name ('ORP Otrokovice')")
    runtime = parser.add_argument_group("execution")
    runtime.add_argument("--workers", type=int, metavar="N",
                         help=f"parallel worker processes (default: number of cores, {os.cpu_count()})")
    runtime.add_argument("--timeout", type=float, metavar="SECONDS",
                         help="wall-clock limit per job, kernel start included (default: none, or the run "
                              "file's); 0 = none")
    runtime.add_argument("--kernel", metavar="NAME",
                         help="Jupyter kernel (default: 'kpss' = this Python, whatever Jupyter has installed)")
    runtime.add_argument("--cold-kernel", action="store_true",
                         help="start every kernel as a fresh Python instead of forking it from a process "
                              "that already imported kpss, pandas, geopandas, folium (slower, ~1 s per job)")
    runtime.add_argument("--output-dir", type=Path, metavar="DIR",
                         help="folder that holds run folders (default: KPSS_OUTPUT_DIR or outputs/)")
    runtime.add_argument("--no-progress", action="store_true", help="no progress bar")
    runtime.add_argument("--dry-run", action="store_true",
                         help="check everything and list the jobs, but run nothing")
    parser.set_defaults(func=handle)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def build_spec(args: argparse.Namespace):
    """The RunSpec ``kpss run`` arguments describe (a run file with overrides, or a notebook)."""
    from kpss_lib import runner

    target = Path(args.target)
    if target.suffix.lower() in (".yml", ".yaml"):
        spec = runner.load_run_file(target)
    elif target.suffix.lower() == ".ipynb":
        if not target.is_file():
            raise ConfigError(f"notebook {str(target)!r} does not exist")
        spec = runner.RunSpec(notebook=target.resolve())
    else:
        raise ConfigError(f"{str(target)!r}: expected a notebook (.ipynb) or a run file (.yml/.yaml)")

    parameters = dict(spec.parameters)
    if args.params_file:
        parameters.update(runner.read_params_file(args.params_file))
    if args.parameter:
        declared = runner.notebook_parameters(spec.notebook) or {}
        for name, value in args.parameter:
            parameters[name] = runner.coerce_cli_value(name, value, declared.get(name))
    changes: dict = {"parameters": parameters}
    if args.name is not None:
        changes["name"] = args.name
    if args.job_name is not None:
        changes["job_name"] = args.job_name
    if args.kernel is not None:
        changes["kernel"] = args.kernel
    if args.within is not None and args.fan_out is None:
        raise ConfigError("--within needs --fan-out LEVEL")
    if args.fan_out is not None or args.fan_out_values is not None:
        if args.fan_out is not None and args.fan_out_values is not None:
            raise ConfigError("give either --fan-out LEVEL or --fan-out-values, not both")
        previous = spec.fan_out or runner.FanOut()
        parameter = args.fan_out_parameter or previous.parameter
        values = None
        if args.fan_out_values is not None:
            # Same typing as -p: the values become whatever the notebook's default is.
            declared = (runner.notebook_parameters(spec.notebook) or {}).get(parameter)
            values = tuple(runner.coerce_cli_value(parameter, v, declared) for v in args.fan_out_values)
        changes["fan_out"] = runner.FanOut(parameter=parameter, level=args.fan_out, within=args.within,
                                           values=values, inject=args.inject or previous.inject)
    elif spec.fan_out is not None and (args.fan_out_parameter or args.inject):
        changes["fan_out"] = dataclasses.replace(
            spec.fan_out, parameter=args.fan_out_parameter or spec.fan_out.parameter,
            inject=args.inject or spec.fan_out.inject)
    elif args.fan_out_parameter or args.inject:
        raise ConfigError("--fan-out-parameter and --inject need a fan-out (--fan-out or --fan-out-values)")
    return dataclasses.replace(spec, **changes)


def handle(args: argparse.Namespace) -> int:
    from kpss_lib import runner

    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {args.workers}")
    if args.timeout is not None and args.timeout < 0:
        raise ConfigError(f"--timeout must be >= 0 seconds, got {args.timeout:g}")
    spec = build_spec(args)
    timeout = spec.timeout if args.timeout is None else (args.timeout or None)
    if args.timeout == 0:
        spec = dataclasses.replace(spec, timeout=None)

    output_root = args.output_dir.expanduser() if args.output_dir is not None else None
    if args.dry_run:
        # The same checks the real run makes before its first job (run_jobs calls check_run too).
        run_name, jobs = runner.plan_run(spec)
        run = runner.check_run(jobs, run_name, workers=args.workers or spec.workers, timeout=timeout,
                               kernel=spec.kernel or runner.KERNEL_NAME, output_root=output_root)
        print(f"Běh {run.run_name}: {len(run.jobs)} úloh → {run.root.resolve() / run.run_name}")
        for job in run.jobs:
            shown = ", ".join(f"{k}={v!r}" for k, v in job.parameters.items())
            print(f"  {job.name}: {shown}")
        return runner.EXIT_OK

    # systemd and kill stop a run with SIGTERM: clean up like Ctrl+C (cli.main returns 130).
    # SIGINT too, explicitly: a run started with `&` from a script inherits SIGINT ignored.
    previous = {signum: signal.signal(signum, _interrupt) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        result = runner.run_spec(spec, workers=args.workers, timeout=timeout, output_root=output_root,
                                 progress=False if args.no_progress else None,
                                 warm_kernel=not args.cold_kernel,
                                 command=["kpss", "run", *sys.argv[2:]] if sys.argv[1:2] == ["run"] else None)
    except (KpssError, KeyboardInterrupt):
        raise  # cli.main prints KpssError messages with exit code 2, interrupts with 130
    except Exception:
        traceback.print_exc()
        print("kpss run: internal error; the previous outputs of this run are untouched", file=sys.stderr)
        return runner.EXIT_INTERNAL
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    stream = sys.stdout if result.exit_code == runner.EXIT_OK else sys.stderr
    print(runner.format_summary(result), file=stream)
    return result.exit_code
