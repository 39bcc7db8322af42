"""Start the dashboard's Streamlit server with the pages' heavy modules already imported.

``python -m dashboard.serve run dashboard/app.py [streamlit options]`` is ``streamlit run`` with one
difference: Altair, pandas, DuckDB and the dashboard's own modules are imported, and Altair's schema
loaded by one throw-away chart, before the server listens. Streamlit runs every page in this process,
so the first visitor no longer waits for them (Altair alone took 0.7 s on the first page, issue 18).
`suara dashboard` and the benchmark's browser stage start the server this way.
"""

from __future__ import annotations

import sys


def preload() -> None:
    """Import what the pages import, and build one chart (Altair validates against its schema once)."""
    import altair as alt
    import pandas as pd

    import dashboard.charts  # noqa: F401
    import dashboard.queries  # noqa: F401
    import nlp.pii  # noqa: F401
    import reply.metrics  # noqa: F401
    import reply.workflow  # noqa: F401
    import suara.export  # noqa: F401

    # (dashboard.common is left to the first page: its st.cache_data needs Streamlit's runtime)

    alt.Chart(pd.DataFrame({"x": [1], "y": [1]})).mark_line().encode(x="x:Q", y="y:Q").to_dict()


def main(argv: list[str] | None = None) -> int:
    preload()
    from streamlit.web import cli

    sys.argv = ["streamlit", *(sys.argv[1:] if argv is None else argv)]
    return cli.main(prog_name="streamlit")


if __name__ == "__main__":
    sys.exit(main())
