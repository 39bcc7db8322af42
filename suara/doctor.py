"""`suara doctor`: is this installation ready to run the nightly job unattended? A checklist.

Each check says ok, warn (works, but something is missing or worth knowing) or fail (the nightly
cannot do its job), and what to do about it. Essential checks: configuration, database, model, data
files. Source credentials and the webhook are warnings: the job runs without them, with less.
Nothing here writes to the database; the only requests are the owner's API checks (suara/doctor_api.py:
one read-only page each, only where those credentials are configured).

The database check reads every table back (``suara.integrity.scan_problem``), so a file cut short or
scribbled over fails here, not in tonight's run; the model check loads the model the job would use,
every array of it. A broken setup is a failed check with a hint, never a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from suara.check import Check
from suara.config import MODELS_DIR, ConfigError, Settings, load_settings
from suara.credentials import TOKEN_ENV, CredentialError, credential
from suara.integrity import RESTORE_HINT, one_line, scan_problem
from suara.migrations import SCHEMA_VERSION, schema_version
from suara.store import NewerSchema, StoreError, StoreLocked, first_row, read_connection


def _writable_dir(path: Path) -> bool:
    """True if ``path`` (or its nearest existing parent, which would hold it) is writable."""
    while not path.exists():
        if path.parent == path:
            return False
        path = path.parent
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def check_config(config: str | Path | None, db: str | Path | None) -> tuple[Check, Settings | None]:
    try:
        settings = load_settings(config=config, db=db)
        from ingest.collect import collect_options
        from suara.nightly_plan import options
        from suara.training import train_config

        options(settings)
        collect_options(settings)
        train_config(settings)
    except ConfigError as exc:
        return Check("configuration", "fail", str(exc), "fix the file named above"), None
    where = str(settings.config_path) if settings.config_path else "no suara.toml (defaults: M-Paspor)"
    apps = ", ".join(a.key for a in settings.apps)
    return Check("configuration", "ok", f"{where}; apps: {apps}"), settings


def check_database(settings: Settings) -> list[Check]:
    path = settings.db_path
    if not path.exists():
        if _writable_dir(path.parent):
            return [
                Check(
                    "database",
                    "warn",
                    f"{path} does not exist yet",
                    "`suara init` creates it (the nightly also does on its first run)",
                )
            ]
        return [
            Check(
                "database",
                "fail",
                f"{path} does not exist and {path.parent} is not writable",
                "create the directory or point --db / SUARA_DB elsewhere",
            )
        ]
    checks = []
    try:
        with read_connection(path, wait=2.0) as con:
            version = schema_version(con)
            damage = scan_problem(con)
            if damage:
                return [Check("database", "fail", f"{path} is damaged: {damage}", RESTORE_HINT)]
            items = first_row(con, "SELECT count(*) FROM feedback")[0] if version else 0
    except StoreLocked:
        checks.append(
            Check(
                "database",
                "warn",
                f"{path} is open for writing by another process right now",
                "a run in progress? run doctor again when it ends",
            )
        )
        version = None
    except NewerSchema as exc:
        return [Check("database", "fail", str(exc), "upgrade Suara to the version that wrote it")]
    except (StoreError, duckdb.Error, OSError) as exc:  # not a DuckDB file, a damaged WAL, unreadable, ...
        return [Check("database", "fail", one_line(exc), RESTORE_HINT)]
    if version is not None:
        if version < SCHEMA_VERSION:
            checks.append(
                Check(
                    "database",
                    "warn",
                    f"{path}: schema version {version}, current is {SCHEMA_VERSION}",
                    "`suara init` upgrades it (the nightly also does)",
                )
            )
        else:
            checks.append(
                Check("database", "ok", f"{path}: schema version {version}, {items} feedback items")
            )
    if os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK):
        checks.append(Check("database writable", "ok", f"{path} and its directory are writable"))
    else:
        checks.append(
            Check(
                "database writable",
                "fail",
                f"{path} or {path.parent} is not writable by this user",
                "run as the user that owns the data directory, or fix its permissions",
            )
        )
    return checks


def _current_model_path(settings: Settings) -> Path | None:
    if not settings.db_path.exists():
        return None
    try:
        with read_connection(settings.db_path, wait=2.0) as con:
            exists = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'models'"
            ).fetchone()[0]
            row = (
                con.execute("SELECT version, path FROM models WHERE is_current").fetchone()
                if exists
                else None
            )
    except (StoreError, duckdb.Error, OSError):  # the database check has said why
        return None
    if not row:
        return None
    path = Path(row[1])
    return path if path.exists() else MODELS_DIR / row[0]


def check_model(settings: Settings, models_dir: Path = MODELS_DIR) -> Check:
    from nlp.model import MODEL_FILE
    from suara.model_files import ModelUnusable, load_model, model_dirs

    path = _current_model_path(settings)
    if path is None or not (path / MODEL_FILE).exists():
        dirs = model_dirs(models_dir)
        if not dirs:
            return Check(
                "model",
                "fail",
                f"no trained model (none registered in the database, none in {models_dir})",
                "run `suara train`",
            )
        path = dirs[-1]
    try:
        model = load_model(path)
    except ModelUnusable as exc:
        return Check("model", "fail", str(exc), "retrain with `suara train`")
    return Check("model", "ok", f"{model.version} loads ({len(model.categories)} categories) from {path}")


def _credential(name: str) -> tuple[str | None, str | None]:
    """(value, None) or (None, what is wrong with it): a malformed secret is described, never shown."""
    try:
        return credential(name), None
    except CredentialError as exc:
        return None, str(exc)


def check_salt(settings: Settings) -> Check:
    """Author names are hashed with a salt: a public one lets anyone test guessed names (suara/salt.py)."""
    from suara.salt import PUBLIC_SALTS, loose_permissions, salt_path

    path = salt_path(settings.config_path, settings.db_path)
    if settings.salt_source == "default":
        return Check(
            "author salt",
            "warn",
            "author names are hashed with the public default salt: anyone with the database can test a "
            "guessed name against the hashes",
            f"`suara init` creates a secret per-installation salt in {path} (items stored before keep "
            "their hashes)",
        )
    if settings.author_salt in PUBLIC_SALTS:
        return Check(
            "author salt",
            "warn",
            f"the salt from {settings.salt_source} is a public value (the default or the example's)",
            "remove it and run `suara init` for a random salt file, or set a secret value of your own",
        )
    if settings.salt_source == str(path) and loose_permissions(path):
        return Check("author salt", "warn", f"{path} is readable by other users", f"chmod 600 {path}")
    return Check("author salt", "ok", f"a per-installation salt from {settings.salt_source}")


def check_sources(settings: Settings) -> list[Check]:
    token, fault = _credential(TOKEN_ENV)
    checks = []
    for app in settings.apps:
        have = []
        if app.play_package:
            have.append(f"Google Play {app.play_package}")
        if app.appstore_id:
            have.append(f"App Store {app.appstore_id} ({', '.join(app.appstore_countries)})")
        if have:
            checks.append(
                Check(f"sources {app.key}", "ok", "; ".join(have) + " (public, no credentials needed)")
            )
        else:
            checks.append(
                Check(
                    f"sources {app.key}",
                    "warn",
                    "neither play_package nor appstore_id configured",
                    f"add them under [apps.{app.key}] in suara.toml",
                )
            )
        if app.twitter_query:
            if fault:
                checks.append(
                    Check(
                        f"twitter {app.key}",
                        "warn",
                        f"{fault}: the nightly will report the twitter source as failed (exit code 1)",
                        f"export {TOKEN_ENV} again, or run `suara nightly --sources play,appstore`",
                    )
                )
            elif token:
                checks.append(Check(f"twitter {app.key}", "ok", "X_BEARER_TOKEN is set"))
            else:
                checks.append(
                    Check(
                        f"twitter {app.key}",
                        "warn",
                        "a Twitter/X query is configured but X_BEARER_TOKEN is not set: "
                        "the nightly will report the twitter source as failed (exit code 1)",
                        "export X_BEARER_TOKEN, or run `suara nightly --sources play,appstore`",
                    )
                )
    return checks


def check_source_health(settings: Settings) -> list[Check]:
    """Gaps and warnings the collector recorded (ingest/health.py): signs that reviews may be missing."""
    from ingest.health import source_warnings

    if not settings.db_path.exists():
        return []
    try:
        with read_connection(settings.db_path, wait=2.0) as con:
            lines = source_warnings(con)
    except Exception:  # an unreadable database is check_database's to report
        return []
    hint = "look at the store's page; collect more often; a file import (`suara import`) can fill a gap"
    return [Check("source data", "warn", line, hint) for line in lines]


def check_data_files(settings: Settings) -> list[Check]:
    from nlp.offices import OfficeMatcher
    from nlp.resources import OFFICES_FILE
    from suara.taxonomy import TAXONOMY_FILE, load_taxonomy
    from suara.training import train_config

    checks = []
    try:
        tax = load_taxonomy()
        checks.append(
            Check(
                "taxonomy",
                "ok",
                f"{TAXONOMY_FILE}: {len(tax.ids)} categories, {len(tax.headline_ids)} headline",
            )
        )
    except Exception as exc:
        checks.append(
            Check("taxonomy", "fail", f"{TAXONOMY_FILE}: {exc}", "restore data/taxonomy.toml from git")
        )
    try:
        OfficeMatcher.load()
        checks.append(Check("office gazetteer", "ok", str(OFFICES_FILE)))
    except Exception as exc:
        checks.append(Check("office gazetteer", "fail", str(exc), "restore data/offices.csv from git"))
    sources = train_config(settings).sources
    missing = [str(src.path) for src in sources if not src.optional and not src.path.is_file()]
    absent = [src.path.name for src in sources if src.optional and not src.path.is_file()]
    if missing:
        checks.append(
            Check(
                "training data",
                "warn",
                f"{', '.join(missing)} not found: `suara train` and `suara nightly --retrain` need it",
                "restore it from git (data/labels/), or fix [train] sources in suara.toml",
            )
        )
    else:
        skipped = f" (optional, absent, skipped: {', '.join(absent)})" if absent else ""
        present = ", ".join(src.path.name for src in sources if src.path.is_file()) or "no files"
        checks.append(Check("training data", "ok", f"{present}{skipped}"))
    return checks


def check_outputs(settings: Settings) -> list[Check]:
    from suara.alerts import WEBHOOK_ENV, redact_url
    from suara.lock import JobLock, lock_path_for
    from suara.nightly_plan import options

    opts = options(settings)
    checks = []
    for label, path in (
        ("reports", opts["reports_dir"] or settings.db_path.parent / "reports"),
        ("backups", opts["backups_dir"] or settings.db_path.parent / "backups"),
    ):
        ok = _writable_dir(path)
        checks.append(
            Check(
                f"{label} directory",
                "ok" if ok else "warn",
                f"{path} {'is writable' if ok else 'is not writable'}",
                "" if ok else "fix its permissions or set [nightly] in suara.toml",
            )
        )
    if settings.log_file:
        ok = _writable_dir(settings.log_file.parent)
        checks.append(
            Check(
                "log file",
                "ok" if ok else "warn",
                f"{settings.log_file}",
                "" if ok else "its directory is not writable",
            )
        )
    url, fault = _credential(WEBHOOK_ENV)
    if fault:
        checks.append(Check("webhook", "warn", f"{fault}: alerts are stored and shown, not sent", "fix it"))
    elif not url:
        checks.append(
            Check(
                "webhook",
                "warn",
                f"{WEBHOOK_ENV} not set: alerts are stored and shown, not sent",
                "set it to a Slack/Mattermost incoming-webhook URL or a Telegram bridge",
            )
        )
    else:
        checks.append(Check("webhook", "ok", f"alerts go to {redact_url(url)}"))
    lock = lock_path_for(settings.db_path)
    if lock.exists():
        holder = JobLock(lock).read_holder()
        if JobLock(lock).is_held():
            who = holder.describe() if holder else "holder unknown"
            checks.append(Check("nightly lock", "ok", f"a nightly run is in progress ({who})"))
        elif holder:
            checks.append(
                Check(
                    "nightly lock",
                    "warn",
                    f"the last run ({holder.describe()}) did not finish",
                    "the next run takes the lock over; look at its log for why it stopped",
                )
            )
    return checks


def run_checks(
    config: str | Path | None = None, db: str | Path | None = None, models_dir: Path = MODELS_DIR
) -> list[Check]:
    from suara.doctor_api import check_owner_apis

    cfg, settings = check_config(config, db)
    checks = [cfg]
    if settings is None:
        return checks
    checks += check_database(settings)
    checks.append(check_salt(settings))
    checks.append(check_model(settings, models_dir))
    checks += check_sources(settings)
    checks += check_owner_apis(settings)  # suara/doctor_api.py
    checks += check_source_health(settings)
    checks += check_data_files(settings)
    checks += check_outputs(settings)
    return checks


def healthy(checks: list[Check]) -> bool:
    """True when no essential check failed (only essential checks can fail; the others warn)."""
    return not any(c.status == "fail" for c in checks)
