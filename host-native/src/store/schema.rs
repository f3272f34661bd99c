//! The store's tables, made when a store is opened, safely when two runs of the tool open a
//! new store at the same moment. A store whose tables are made (its `user_version` says so)
//! is opened without a write lock, so a run opens it even while another is writing.

use std::thread::sleep;
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode};

/// The journal mode, set apart from the tables: it cannot change inside a transaction.
const JOURNAL: &str = "
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
";

/// The version of [`TABLES`], kept in the file's `user_version`: a store of this version
/// has them all. Raise it when a table is added (2: the quotas' counters; 3: which AI
/// built each project's vectors; 4: the text index).
const SCHEMA_VERSION: u32 = 4;

/// The tables; made in one write transaction taken at once (`BEGIN IMMEDIATE`), so two runs
/// opening a new store together wait for each other instead of failing.
const TABLES: &str = "
    CREATE TABLE IF NOT EXISTS kv (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        expires_at INTEGER -- Unix seconds; NULL: never
    );
    CREATE TABLE IF NOT EXISTS kv_metadata (
        key TEXT PRIMARY KEY REFERENCES kv (key) ON DELETE CASCADE,
        metadata TEXT NOT NULL -- JSON
    );
    CREATE TABLE IF NOT EXISTS vectors (
        id TEXT PRIMARY KEY,
        vals BLOB NOT NULL, -- float32, little-endian
        metadata TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS tenants (
        user TEXT NOT NULL,
        project TEXT NOT NULL,
        token INTEGER,      -- the lease held; NULL: none
        held_until INTEGER, -- Unix seconds
        last_token INTEGER, -- the last token granted
        state TEXT,         -- the record state; NULL: none
        PRIMARY KEY (user, project)
    );
    CREATE TABLE IF NOT EXISTS tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT
    );
    CREATE TABLE IF NOT EXISTS quota_days (
        user TEXT PRIMARY KEY,
        day INTEGER NOT NULL -- the UTC day of the user's AI counters
    );
    CREATE TABLE IF NOT EXISTS quota_counters (
        user TEXT NOT NULL,
        project TEXT NOT NULL,
        ai INTEGER NOT NULL,      -- AI units on the user's day
        vectors INTEGER NOT NULL, -- vectors held
        PRIMARY KEY (user, project)
    );
    CREATE TABLE IF NOT EXISTS text_entries (
        rowid INTEGER PRIMARY KEY, -- the entry's row in text_words
        id TEXT NOT NULL UNIQUE,   -- its vector's id
        user TEXT NOT NULL,
        project TEXT NOT NULL,
        metadata TEXT NOT NULL     -- its vector's metadata, JSON
    );
    CREATE INDEX IF NOT EXISTS text_entries_tenant ON text_entries (user, project);
    CREATE VIRTUAL TABLE IF NOT EXISTS text_words USING fts5 (
        words,
        tokenize = \"porter unicode61 tokenchars '_'\"
    );
    CREATE TABLE IF NOT EXISTS indexed_with (
        user TEXT NOT NULL,
        project TEXT NOT NULL,
        ai TEXT NOT NULL,       -- the tool's `--ai` that answered the embeddings
        identity TEXT NOT NULL, -- the engine config's cache identity
        PRIMARY KEY (user, project)
    );
";

/// How long opening waits for another run that is turning the same new store to WAL:
/// SQLite answers that change "busy" at once, without its busy timeout, to a connection
/// that would otherwise deadlock with the other.
const JOURNAL_WAIT: Duration = Duration::from_secs(5);
/// The pause between two tries at the journal mode.
const JOURNAL_RETRY: Duration = Duration::from_millis(20);

/// Sets the journal mode and, unless the store has them all, makes the tables missing.
pub(super) fn prepare(db: &Connection) -> rusqlite::Result<()> {
    let started = Instant::now();
    loop {
        match db.execute_batch(JOURNAL) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == ErrorCode::DatabaseBusy && started.elapsed() < JOURNAL_WAIT =>
            {
                sleep(JOURNAL_RETRY);
            }
            done => break done,
        }
    }?;
    let version: u32 = db.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version >= SCHEMA_VERSION {
        return Ok(());
    }
    db.execute_batch(&format!(
        "BEGIN IMMEDIATE; {TABLES} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
    ))
}
