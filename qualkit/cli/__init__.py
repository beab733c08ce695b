"""The qualkit command line (docs/DESIGN.md "Command line"): Typer over the services.

Each module in this package that defines ``register(app)`` adds its commands,
so later features plug in without editing a central list. Every QualkitError
becomes one line on stderr and a non-zero exit; tracebacks are for bugs.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

# Plain help text: Typer's rich formatting costs about half a second at every start-up.
os.environ.setdefault("TYPER_USE_RICH", "0")

import typer  # noqa: E402

from qualkit.errors import QualkitError

from ._danish import use_danish_help  # noqa: E402

app = typer.Typer(
    name="qualkit",
    help="Kvalitativ procesevaluering: transskribér, pseudonymisér, kod, optæl, eksportér.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help, through the Danish formatter, even if Rich is loaded
)


def _register_all() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_all()
use_danish_help(app)  # Typer's own help words in Danish


def main(argv: list[str] | None = None) -> int:
    os.umask(0o077)  # every file qualkit writes is its owner's only (data folder, exports)
    from qualkit import logs, tempdir

    logs.setup()
    tempdir.clean_stale()  # debris of a killed run goes at the next start
    try:
        app(args=argv, prog_name="qualkit", standalone_mode=False)
    except QualkitError as exc:
        print(f"qualkit: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("qualkit: afbrudt", file=sys.stderr)
        return 130
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        from typer import _click as click  # Typer 0.29 carries its own Click

        from ._danish import danish_usage_text, show_usage_error

        if isinstance(exc, typer.Exit):
            return exc.exit_code
        if isinstance(exc, click.exceptions.NoArgsIsHelpError):
            exc.show()  # the help, rendered in Danish
            return 0
        if isinstance(exc, click.exceptions.UsageError):
            show_usage_error(exc)
            return exc.exit_code
        if isinstance(exc, click.ClickException):
            print(f"qualkit: {danish_usage_text(exc.format_message())}", file=sys.stderr)
            return exc.exit_code
        if isinstance(exc, typer.Abort):
            print("qualkit: annulleret", file=sys.stderr)
            return 1
        from sqlalchemy.exc import DBAPIError

        if isinstance(exc, DBAPIError):  # a database error is never shown raw
            from qualkit.store.db import conflict

            print(f"qualkit: {conflict(exc)}", file=sys.stderr)
            return 3
        raise
    return 0


def run() -> None:
    sys.exit(main())
