"""Start the dashboard's Streamlit server with the pages' heavy modules already imported.

``python -m dashboard.serve run dashboard/app.py [streamlit options]`` is ``streamlit run`` with two
differences. Altair, pandas, DuckDB and the dashboard's own modules are imported, Altair's schema
loaded by one throw-away chart and DuckDB started, before the server listens: Streamlit runs every
page in this process, so the first visitor no longer waits for them (Altair alone took 0.7 s on the
first page, issue 18). And no full garbage collection runs after every page run (``streamlit_args``).
`suara dashboard` and the benchmark's browser stage start the server this way.
"""

from __future__ import annotations

import gc
import sys


def preload() -> None:
    """Import what the pages import, and build one chart (Altair validates against its schema once)."""
    import altair as alt
    import duckdb
    import pandas as pd

    import dashboard.charts  # noqa: F401
    import dashboard.filters  # noqa: F401
    import dashboard.queries  # noqa: F401
    import nlp.pii  # noqa: F401
    import reply.metrics  # noqa: F401
    import reply.workflow  # noqa: F401
    import suara.export  # noqa: F401

    # (dashboard.common is left to the first page: its st.cache_data needs Streamlit's runtime)

    alt.Chart(pd.DataFrame({"x": [1], "y": [1]})).mark_line().encode(x="x:Q", y="y:Q").to_dict()
    # DuckDB's one-time start (its built-in extensions) on a throw-away database, not on the first
    # page's connection to the store: 15-40 ms off that first open
    duckdb.connect().close()

    # Streamlit's first element of the process checks whether it runs in a REPL, to print a warning
    # `streamlit run` never needs: inspect.stack() with every frame's source file, 0.1-0.2 s on the
    # first page. Marked as done here (the check is skipped, nothing else changes).
    import streamlit.delta_generator as dg

    if hasattr(dg, "_use_warning_has_been_displayed"):
        dg._use_warning_has_been_displayed = True


def streamlit_args(args: list[str]) -> list[str]:
    """The command line for Streamlit: ``args`` with Streamlit's full collection after every script run
    (``runner.postScriptGC``, a gc.collect(2)) turned off unless asked for. It took 20-90 ms of each
    page run at 1M rows, after the page's last element was sent; Python's own generational collection
    still runs, so cycles are collected as in any process."""
    if args[:1] == ["run"] and not any(a.startswith("--runner.postScriptGC") for a in args):
        return [*args, "--runner.postScriptGC", "false"]
    return list(args)


def main(argv: list[str] | None = None) -> int:
    preload()
    # What was loaded so far lives as long as the server: out of the collector's sight, so a full
    # collection (Python's own, now and then) does not walk it each time.
    gc.freeze()
    from streamlit.web import cli

    sys.argv = ["streamlit", *streamlit_args(list(sys.argv[1:] if argv is None else argv))]
    return cli.main(prog_name="streamlit")


if __name__ == "__main__":
    sys.exit(main())
