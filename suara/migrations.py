"""The database schema as numbered migrations: every table, view and macro Suara stores, in the order
they were added, and the bookkeeping that says how far a file has come.

A file is at version N when migrations 1..N have been applied to it, each recorded by a row in
``schema_version``. ``Store.migrate`` (suara/store.py) brings an older file, or a new empty one, up to
``SCHEMA_VERSION`` by applying the ones it lacks (``apply_migration``), each in its own transaction
together with its row, so a file is always at exactly one version; it refuses a file newer than this
Suara, and ``read_connection`` checks the same number before a reader trusts the layout.

A migration, once shipped, is never edited: a change of schema is a new entry appended to
``MIGRATIONS`` (the tests build files of earlier versions from prefixes of the list and upgrade them).
The schema has a module of its own because it is what a reader looks up first (which columns has
``feedback``?) and it only grows, while the store's reads and writes change for other reasons.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

# The tables that carry their feedback item's ``seq`` as ``feedback_seq`` (migration 11).
SEQ_CARRIERS = ("effective_labels", "classifications", "feedback_sentiment")

MIGRATIONS: list[str] = [
    # 1: feedback and its history, job runs, per-source state
    """
    CREATE TABLE feedback (
        id VARCHAR PRIMARY KEY,            -- source:native_id
        source VARCHAR NOT NULL,
        app_id VARCHAR NOT NULL,
        native_id VARCHAR NOT NULL,
        author_hash VARCHAR,               -- salted hash, never the raw name
        text VARCHAR NOT NULL,
        title VARCHAR,
        rating TINYINT,
        app_version VARCHAR,
        lang VARCHAR,
        country VARCHAR,
        created_at TIMESTAMP NOT NULL,
        reply_text VARCHAR,
        replied_at TIMESTAMP,
        likes INTEGER DEFAULT 0,
        url VARCHAR,
        raw VARCHAR,
        content_hash VARCHAR NOT NULL,     -- of what the author wrote: title, text, rating
        first_seen_at TIMESTAMP NOT NULL,
        last_seen_at TIMESTAMP NOT NULL
    );
    CREATE TABLE feedback_revisions (
        feedback_id VARCHAR NOT NULL,
        text VARCHAR NOT NULL,
        title VARCHAR,
        rating TINYINT,
        content_hash VARCHAR NOT NULL,
        replaced_at TIMESTAMP NOT NULL
    );
    CREATE SEQUENCE runs_seq;
    CREATE TABLE runs (
        run_id BIGINT PRIMARY KEY DEFAULT nextval('runs_seq'),
        job VARCHAR NOT NULL,              -- import, collect, classify, train, nightly
        source VARCHAR,
        app_id VARCHAR,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP,
        status VARCHAR NOT NULL,           -- running, success, failed
        fetched INTEGER DEFAULT 0,
        new INTEGER DEFAULT 0,
        updated INTEGER DEFAULT 0,
        skipped INTEGER DEFAULT 0,
        errors INTEGER DEFAULT 0,
        message VARCHAR
    );
    CREATE TABLE source_state (
        source VARCHAR NOT NULL,
        app_id VARCHAR NOT NULL,
        key VARCHAR NOT NULL,
        value VARCHAR,
        updated_at TIMESTAMP NOT NULL,
        PRIMARY KEY (source, app_id, key)
    );
    """,
    # 2: the classifier's output, human labels, model registry, office mentions
    """
    CREATE TABLE models (
        version VARCHAR PRIMARY KEY,
        created_at TIMESTAMP NOT NULL,
        path VARCHAR NOT NULL,
        metrics VARCHAR,                   -- JSON
        n_train INTEGER,
        is_current BOOLEAN NOT NULL DEFAULT false
    );
    CREATE TABLE labels (
        feedback_id VARCHAR NOT NULL,
        category VARCHAR NOT NULL,
        score DOUBLE,
        origin VARCHAR NOT NULL,           -- model | human
        model_version VARCHAR,
        created_by VARCHAR,
        created_at TIMESTAMP NOT NULL,
        PRIMARY KEY (feedback_id, category, origin)
    );
    CREATE TABLE classifications (         -- one row per classified feedback, with or without labels
        feedback_id VARCHAR PRIMARY KEY,
        model_version VARCHAR NOT NULL,
        content_hash VARCHAR NOT NULL,
        confidence DOUBLE,                 -- smallest distance of any score to its threshold
        classified_at TIMESTAMP NOT NULL
    );
    CREATE TABLE human_reviews (           -- an analyst decided the full label set of this feedback
        feedback_id VARCHAR PRIMARY KEY,
        reviewed_by VARCHAR NOT NULL,
        reviewed_at TIMESTAMP NOT NULL
    );
    CREATE TABLE feedback_offices (
        feedback_id VARCHAR NOT NULL,
        office_id VARCHAR NOT NULL,
        PRIMARY KEY (feedback_id, office_id)
    );
    CREATE VIEW effective_labels AS
        SELECT l.feedback_id, l.category, l.score, l.origin, l.model_version
        FROM labels l
        WHERE l.origin = 'human'
           OR NOT EXISTS (SELECT 1 FROM human_reviews h WHERE h.feedback_id = l.feedback_id);
    """,
    # 3: alerts found by the nightly job
    """
    CREATE TABLE alerts (
        alert_id VARCHAR PRIMARY KEY,      -- dedup key: the same spike is stored once
        kind VARCHAR NOT NULL,             -- spike_day, spike_week, version_jump
        app_id VARCHAR NOT NULL,
        category VARCHAR NOT NULL,
        app_version VARCHAR,
        period_start TIMESTAMP NOT NULL,
        period_end TIMESTAMP NOT NULL,
        observed DOUBLE NOT NULL,
        expected DOUBLE NOT NULL,
        threshold DOUBLE NOT NULL,
        message VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        notified_at TIMESTAMP
    );
    """,
    # 4: a near-duplicate key per feedback item, for the labelling queue (suara/review_queue.py): texts
    # that differ only in case, punctuation, digits, emoji, links or stretched letters share one key.
    # The macro is nlp.text.clean written in DuckDB SQL, step by step (a test holds the two equal on
    # the labelled texts); the squash of a letter repeated three or more times ("terusss") needs a
    # back-reference RE2 lacks, so it is one alternation per letter, nine letters per pass. A text with
    # no letters at all gets NULL: it is nobody's near-duplicate. Should clean() change, the test fails:
    # add a migration that replaces the macro and re-keys feedback. (Edited twice, to the same keys:
    # ``s.regexp_replace(...)`` became ``regexp_replace(s, ...)``, because DuckDB read ``s.`` as the
    # catalog of a database file named s.duckdb and the migration failed there; and the three squash
    # passes run only where one can match (near_duplicate_squash: 1.9 -> 1.4 CPU s per 1M texts, the
    # same keys on the bench's 1M corpus). Stores created before keep macros that give the same keys.)
    r"""
    CREATE MACRO near_duplicate_links(s) AS CASE WHEN contains(s, '@') OR contains(s, 'http') OR contains(s, 'www.')
        THEN regexp_replace(s, 'https?://\S+|www\.\S+', ' ', 'g')
              .regexp_replace('\S+@\S+\.\S+', ' email ', 'g')
              .regexp_replace('@[\pL\pN_]+', ' ', 'g')
        ELSE s END;  -- as clean(): the link patterns run only where one can match (a third of the cost)
    CREATE MACRO near_duplicate_plural(s) AS
        CASE WHEN contains(s, '2') THEN regexp_replace(s, '\b([a-z]{2,})2\b', '\1 \1', 'g') ELSE s END;
    CREATE MACRO near_duplicate_squash(s) AS CASE WHEN regexp_matches(s, 'aaa|bbb|ccc|ddd|eee|fff|ggg|hhh|iii|jjj|kkk|lll|mmm'
                                                                  '|nnn|ooo|ppp|qqq|rrr|sss|ttt|uuu|vvv|www|xxx|yyy|zzz')
        THEN regexp_replace(regexp_replace(regexp_replace(s,
            '(a)a{2,}|(b)b{2,}|(c)c{2,}|(d)d{2,}|(e)e{2,}|(f)f{2,}|(g)g{2,}|(h)h{2,}|(i)i{2,}', '\1\2\3\4\5\6\7\8\9', 'g'),
            '(j)j{2,}|(k)k{2,}|(l)l{2,}|(m)m{2,}|(n)n{2,}|(o)o{2,}|(p)p{2,}|(q)q{2,}|(r)r{2,}', '\1\2\3\4\5\6\7\8\9', 'g'),
            '(s)s{2,}|(t)t{2,}|(u)u{2,}|(v)v{2,}|(w)w{2,}|(x)x{2,}|(y)y{2,}|(z)z{2,}', '\1\2\3\4\5\6\7\8', 'g')
        ELSE s END;  -- only a text with a letter three times in a row (2% of the bench's corpus)
    CREATE MACRO near_duplicate_key(title, text) AS nullif(
        near_duplicate_squash(
            near_duplicate_plural(near_duplicate_links(concat_ws(' ', title, text).lower()).replace('#', ' '))
        )
        .regexp_replace('[^a-z]{2,}|[^a-z ]', ' ', 'g')  -- = '[^a-z]+' -> ' ', without rewriting lone spaces
        .trim(),
        ''
    );
    ALTER TABLE feedback ADD COLUMN dup_key VARCHAR;
    UPDATE feedback SET dup_key = near_duplicate_key(title, text);
    """,
    # 5: replies to citizens (reply/): one row per review and reply version, with its state, and an
    # append-only audit trail of every action on it (who, when, what text). A version once 'sent' is
    # never posted again; 'sending' marks a post in flight (reply/send.py checks the store after a crash).
    """
    CREATE TABLE replies (
        feedback_id VARCHAR NOT NULL,
        version INTEGER NOT NULL,          -- 1, 2, ...: a new version only after one was sent
        state VARCHAR NOT NULL,            -- draft, approved, sending, sent, failed, discarded
        text VARCHAR NOT NULL,
        categories VARCHAR,                -- the categories the draft answered, comma-separated
        created_by VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        updated_by VARCHAR NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        approved_by VARCHAR,
        approved_at TIMESTAMP,
        sent_at TIMESTAMP,
        error VARCHAR,                     -- the API's error of the last failed post
        PRIMARY KEY (feedback_id, version)
    );
    CREATE TABLE reply_events (
        feedback_id VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        acted_at TIMESTAMP NOT NULL,
        actor VARCHAR NOT NULL,
        action VARCHAR NOT NULL,           -- draft, edit, approve, discard, send, sent, failed
        state VARCHAR NOT NULL,            -- the state after the action
        text VARCHAR,
        detail VARCHAR
    );
    """,
    # 6: topics discovered among the uncategorised feedback (suara/topic_records.py): one row per topic of
    # a period, keyed by a hash of the period and its top terms (a re-run updates it), with what an
    # analyst decided; its member feedback; and categories proposed for the labelling queue by a merge.
    """
    CREATE TABLE topics (
        topic_id VARCHAR PRIMARY KEY,      -- hash of the period and the sorted top terms
        period_start TIMESTAMP NOT NULL,
        period_end TIMESTAMP NOT NULL,
        name VARCHAR NOT NULL,             -- the top three terms
        terms VARCHAR[] NOT NULL,          -- most distinctive first (c-TF-IDF)
        signature VARCHAR NOT NULL,        -- the sorted top three terms: the same theme in another period
        size INTEGER NOT NULL,
        distinct_texts INTEGER NOT NULL,
        weekly INTEGER[] NOT NULL,         -- texts per 7 days of the period, oldest first
        last_week INTEGER NOT NULL,
        expected DOUBLE NOT NULL,
        threshold DOUBLE NOT NULL,
        tested BOOLEAN NOT NULL,
        growing BOOLEAN NOT NULL,
        similar_category VARCHAR,          -- "mirip kategori X"
        similarity DOUBLE,
        status VARCHAR NOT NULL,           -- new, dismissed, merged, promoted
        category VARCHAR,                  -- merged into / promoted to
        decided_by VARCHAR,
        decided_at TIMESTAMP,
        found_at TIMESTAMP NOT NULL,       -- the first run that found it
        updated_at TIMESTAMP NOT NULL      -- the last run that found it
    );
    CREATE TABLE topic_members (
        topic_id VARCHAR NOT NULL,
        feedback_id VARCHAR NOT NULL,
        PRIMARY KEY (topic_id, feedback_id)
    );
    CREATE TABLE label_proposals (         -- a category proposed for an item, shown on the Pelabelan page
        feedback_id VARCHAR NOT NULL,
        category VARCHAR NOT NULL,
        topic_id VARCHAR,
        proposed_by VARCHAR NOT NULL,
        proposed_at TIMESTAMP NOT NULL,
        PRIMARY KEY (feedback_id, category)
    );
    """,
    # 7: files imported by the fast path, so that a re-import of the same bytes can skip re-validating
    # every line when the stored rows still match (suara/imported_files.py).
    """
    CREATE TABLE imported_files (
        fingerprint VARCHAR PRIMARY KEY,   -- sha256 of the file's bytes and the --app key
        rows BIGINT NOT NULL,
        checksum VARCHAR NOT NULL,         -- of what an upsert compares, over the file's rows
        imported_at TIMESTAMP NOT NULL
    );
    """,
    # 8: effective labels materialised (issue 18): the categories in effect per feedback item (an analyst's
    # set where one decided, else the model's) as a table instead of the view of migration 2, which every
    # dashboard query re-joined with a NOT EXISTS over human_reviews. Filled here from that view's
    # definition; the writers of labels and human_reviews keep it in step in the same transactions
    # (suara/model_labels.save_model_labels, suara/human_labels.save_human_labels). Same name and columns, so every
    # reader is unchanged.
    """
    DROP VIEW effective_labels;
    CREATE TABLE effective_labels AS
        SELECT l.feedback_id, l.category, l.score, l.origin, l.model_version
        FROM labels l
        WHERE l.origin = 'human'
           OR NOT EXISTS (SELECT 1 FROM human_reviews h WHERE h.feedback_id = l.feedback_id);
    """,
    # 9: sentiment of every text (nlp/sentiment.py), written by classify beside the labels
    """
    CREATE TABLE feedback_sentiment (
        feedback_id VARCHAR PRIMARY KEY,
        sentiment VARCHAR NOT NULL,        -- negatif, netral, positif
        score DOUBLE NOT NULL,             -- probability that the text is positive
        model_id VARCHAR NOT NULL,
        content_hash VARCHAR NOT NULL,     -- of the feedback when it was scored
        scored_at TIMESTAMP NOT NULL
    );
    """,
    # 10: each recorded discovery run as a whole (suara/topic_records.py ``record`` with the run's
    # candidates): its period, how many texts it grouped, its topics in the order found and each one's
    # example feedback, so the Topik baru page can show the nightly's topics without discovering again.
    """
    CREATE TABLE topic_runs (
        period_start TIMESTAMP NOT NULL,
        period_end TIMESTAMP NOT NULL,
        candidates INTEGER NOT NULL,       -- the uncategorised texts discovery grouped
        topic_ids VARCHAR[] NOT NULL,      -- in find_topics' order (growing first)
        examples VARCHAR[][] NOT NULL,     -- per topic, its most representative feedback ids
        model_version VARCHAR,             -- whose vocabulary marked "mirip kategori X" (NULL: none)
        ran_at TIMESTAMP NOT NULL,
        PRIMARY KEY (period_start, period_end)
    );
    """,
    # 11: a row number per feedback item, in the order the store received them (issue 18), carried by the
    # tables every page joins with the feedback (its categories, classification and sentiment). The id
    # (``source:native_id``) is random: DuckDB finds no range of it, so each join read the whole other
    # table and hashed strings. By ``seq`` the join's range of rows prunes the other table to the blocks
    # written with them (zone maps) and hashes integers: at 1M rows six months' categories in 5 ms
    # against 37, all time 24 against 115. Existing rows are numbered in storage order (the order they
    # were stored); the writers copy ``seq`` from the feedback row (suara/model_labels.py,
    # suara/human_labels.py, suara/sentiment.py). A row of these three tables whose feedback is not stored
    # (none is written so; no reader joins it) is dropped: they are derived (labels keeps every label).
    """
    CREATE SEQUENCE feedback_seq;
    ALTER TABLE feedback ADD COLUMN seq BIGINT DEFAULT nextval('feedback_seq');
    """
    + "".join(
        f"""
    ALTER TABLE {t} ADD COLUMN feedback_seq BIGINT;
    UPDATE {t} SET feedback_seq = f.seq FROM feedback f WHERE f.id = {t}.feedback_id;
    DELETE FROM {t} WHERE feedback_seq IS NULL;
    """
        for t in SEQ_CARRIERS
    ),
    # 12: migration 11's columns NOT NULL, so a writer that forgot one fails instead of a join losing the
    # row (DuckDB refuses the constraint in the transaction that filled the column)
    "ALTER TABLE feedback ALTER COLUMN seq SET NOT NULL;"
    + "".join(f"ALTER TABLE {t} ALTER COLUMN feedback_seq SET NOT NULL;" for t in SEQ_CARRIERS),
]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The version of the open file: the newest migration applied to it, 0 for a file without any.

    Asked outside a transaction, as every caller does right after opening the file: a file without
    the table answers with a catalog error, which would abort an open transaction. The table is read
    directly rather than looked up in the catalog first: on a fresh connection ``duckdb_tables()``
    loads every table's entry, 4-6 ms at 1M rows against about 1 ms, and every dashboard page run and
    every step of the nightly opens its connection through here. Python's replacement scans are off
    for the read: without the table, DuckDB would read a caller's variable named ``schema_version``."""
    con.execute("SET python_enable_replacements = false")
    try:
        return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]
    except duckdb.CatalogException:
        return 0
    finally:
        con.execute("RESET python_enable_replacements")


def apply_migration(con: duckdb.DuckDBPyConnection, number: int, now: datetime) -> None:
    """Run migration ``number`` and record it in ``schema_version`` (created by the first one to need it).

    Called inside the caller's transaction, one migration per transaction, so that a migration and its
    row are stored together or not at all.
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)"
    )
    con.execute(MIGRATIONS[number - 1])
    con.execute("INSERT INTO schema_version VALUES (?, ?)", [number, now])


def migration_failed(path, number: int, exc: duckdb.Error) -> str:
    """The one line a user sees when migration ``number`` fails on ``path`` (its transaction rolled back)."""
    why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return (
        f"database {path}: the upgrade to schema version {number} failed ({why}); the file is unchanged at "
        f"version {number - 1}: restore the nightly's backup of it (backups/) or move it aside and run `suara init`"
    )
