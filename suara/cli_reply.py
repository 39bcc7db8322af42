"""`suara reply`: answer citizens from the command line (the Tanggapan stage, reply/).

``stats`` prints the response metrics (share answered, median delay, by source, app, category, rating or
month); ``draft`` opens or edits a reply (from data/replies.toml, or ``--text``), ``approve`` and
``discard`` move it on, ``list`` shows replies and their states, ``send`` posts the approved ones through
the stores' official APIs: a dry run unless ``--yes``. Every action records who (``--by``) and when.
Exit codes: 1 bad input or an action the reply's state does not allow, or a post that failed; 2 a
configuration or database problem.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from suara.cli_base import ConfigOption, DbOption, UserError, command_for, open_store, out, settings

reply = typer.Typer(
    help="Answer citizens: reply drafts, approval, posting, response metrics.", no_args_is_help=True
)
command = command_for(reply)

ById = Annotated[str, typer.Option("--by", help="Who acts (recorded in the audit trail).")]
Ids = Annotated[list[str], typer.Argument(help="Feedback ids, e.g. play_store:gp:AOqpTOE...")]


def _hours(h) -> str:
    if h is None or h != h:
        return "-"
    return f"{h / 24:.1f} d" if h >= 48 else f"{h:.1f} h"


def _tools():
    from reply.drafts import TemplateError, load_templates
    from suara.taxonomy import load_taxonomy

    try:
        return load_templates(), load_taxonomy().headline_ids
    except TemplateError as exc:
        raise UserError(str(exc)) from None


@command()
def stats(
    by: Annotated[
        str, typer.Option("--by", help="Break down by source, app, category, rating or month.")
    ] = "source",
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Response metrics from the replies the stores show: share answered and median time to answer."""
    from reply.metrics import DIMENSIONS, breakdown, summary

    if by not in DIMENSIONS:
        raise UserError(f"--by {by}: choose one of {', '.join(DIMENSIONS)}")
    with open_store(settings(db, config)) as store:
        s = summary(store.con)
        rows = breakdown(store.con, by)
    share = f"{s['share']:.2%}" if s["share"] is not None else "-"
    out.print(
        f"{s['answered']} of {s['n']} answered ({share}); median time to answer {_hours(s['median_hours'])}, "
        f"90th percentile {_hours(s['p90_hours'])}",
        highlight=False,
    )
    t = Table(title=f"by {by}")
    for col in (by, "feedback", "answered", "share", "median delay"):
        t.add_column(col, justify="left" if col == by else "right")
    for r in rows.itertuples(index=False):
        t.add_row(str(r.value), str(r.n), str(r.answered), f"{r.share:.2%}", _hours(r.median_hours))
    out.print(t)


@command()
def draft(
    ids: Ids,
    by: ById,
    text: Annotated[
        str | None, typer.Option("--text", help="The reply text instead of the template's (an edit).")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Draft a reply for each review from data/replies.toml (or --text); editing an approved one makes it a draft."""
    from reply.workflow import WorkflowError
    from reply.workflow import draft as make

    tpl, headline = _tools()
    with open_store(settings(db, config)) as store:
        for fid in ids:
            try:
                r = make(store, fid, by, tpl, headline, text)
            except WorkflowError as exc:
                raise UserError(str(exc)) from None
            out.print(
                f"{r.feedback_id} v{r.version} draft ({len(r.text)} chars): {r.text}",
                highlight=False,
                markup=False,
            )


@command()
def approve(ids: Ids, by: ById, db: DbOption = None, config: ConfigOption = None) -> None:
    """Approve drafts for sending (checks the store's length limit and personal data)."""
    from reply.workflow import WorkflowError
    from reply.workflow import approve as ok

    tpl, _ = _tools()
    with open_store(settings(db, config)) as store:
        for fid in ids:
            try:
                r = ok(store, fid, by, tpl)
            except WorkflowError as exc:
                raise UserError(str(exc)) from None
            out.print(f"{r.feedback_id} v{r.version} approved by {by}", highlight=False, markup=False)


@command()
def discard(ids: Ids, by: ById, db: DbOption = None, config: ConfigOption = None) -> None:
    """Discard open replies (kept in the audit trail)."""
    from reply.workflow import WorkflowError
    from reply.workflow import discard as drop

    with open_store(settings(db, config)) as store:
        for fid in ids:
            try:
                drop(store, fid, by)
            except WorkflowError as exc:
                raise UserError(str(exc)) from None
            out.print(f"{fid} discarded", highlight=False, markup=False)


@command("list")
def list_(
    state: Annotated[
        str | None, typer.Option(help="Only this state: draft, approved, sending, sent, failed, discarded.")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Replies with their state, who touched them last and when."""
    from reply.workflow import listing

    with open_store(settings(db, config)) as store:
        rows = listing(store, state, limit)
    t = Table()
    for col in ("feedback", "v", "state", "by", "at", "text / error"):
        t.add_column(col)
    for fid, version, st, who, at, text, error in rows:
        t.add_row(fid, str(version), st, escape(who), f"{at:%Y-%m-%d %H:%M}", escape(error or text))
    out.print(t)


@command()
def send(
    by: ById,
    yes: Annotated[bool, typer.Option("--yes", help="Really post (without it: a dry run).")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Post the approved replies through the Google Play / App Store Connect APIs; a dry run unless --yes."""
    from reply.clients import AppStoreClient, CredentialsError, PlayClient
    from reply.send import send as post

    s = settings(db, config)

    def client_for(source: str, app_id: str):
        app = s.app(app_id)
        if source == "play_store" and app.play_package:
            return PlayClient.build(app.play_package, settings_extra=s.extra)
        if source == "app_store":
            return AppStoreClient.from_settings(s.extra)
        raise CredentialsError(f"no reply API for {source} of app {app_id}")

    with open_store(s) as store:
        outcomes = post(store, client_for, by, yes)
    for o in outcomes:
        out.print(
            f"{o.feedback_id} v{o.version}: {o.result}{' - ' + o.detail if o.detail else ''}",
            highlight=False,
            markup=False,
        )
    if not outcomes:
        out.print("nothing approved to send")
    elif not yes:
        out.print(
            f"dry run: {len(outcomes)} repl{'y' if len(outcomes) == 1 else 'ies'} would be posted; add --yes to post"
        )
    if any(o.result in ("failed", "skipped") for o in outcomes):
        raise typer.Exit(1)
