/**
 * `textIndexFor(env.TEXT_INDEX)`: the text index of hybrid search on a D1 database, ranked
 * by SQLite FTS5's `bm25()` over Porter-stemmed words, as the command-line tool's store ranks
 * them (host-native/src/store/text_index.rs, the same two tables).
 *
 * Each entry is a row of `index_sync_text_entries` (id, tenant, metadata as JSON text),
 * whose rowid is the rowid of its words in the FTS5 table `index_sync_text_words`: an id is
 * found by its unique index, never by a scan of the words, and a query joins the words it
 * matched to their entries, keeping the tenant's alone. The tables are made by the first
 * write (`CREATE ... IF NOT EXISTS` at the head of each write's batch: no round trip of its
 * own); a query before any write finds no table, and nothing.
 *
 * A `put` is one `db.batch` (one transaction): the entries of those ids deleted, then all
 * inserted, in statements of at most 100 bound parameters (D1's limit). A query's terms are
 * each a quoted phrase (so `or` or `near` is a word, not an operator; a `"` inside is
 * doubled), joined by `OR`; the score is `-bm25()`, higher better, ties by id.
 */
import type { TextEntry, TextIndexBinding, TextMatch } from "../bindings.js";
import { BindingError } from "../errors.js";
import type { JsonObject } from "../wire.js";

/** The words, full-text indexed: the tokenizer keeps `_` inside a word (`parse_config`). */
const WORDS = "index_sync_text_words";
/** The entries: id, tenant, metadata; rowid shared with the words. */
const ENTRIES = "index_sync_text_entries";

/** The schema, made when missing. */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS ${ENTRIES} (
     rowid INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     user TEXT NOT NULL,
     project TEXT NOT NULL,
     metadata TEXT NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS ${ENTRIES}_tenant ON ${ENTRIES} (user, project)`,
  `CREATE VIRTUAL TABLE IF NOT EXISTS ${WORDS} USING fts5(words, tokenize = "porter unicode61 tokenchars '_'")`,
];

/** D1's most bound parameters in one statement (d1/platform/limits). */
const MAX_PARAMETERS = 100;

const QUERY = `SELECT e.id AS id, -bm25(${WORDS}) AS score, e.metadata AS metadata
  FROM ${WORDS} JOIN ${ENTRIES} e ON e.rowid = ${WORDS}.rowid
  WHERE ${WORDS} MATCH ?1 AND e.user = ?2 AND e.project = ?3
  ORDER BY bm25(${WORDS}), e.id LIMIT ?4`;

/** A row of the query. */
interface Found {
  id: string;
  score: number;
  metadata: string;
}

/** The text index over a D1 database (the Worker's `d1_databases` binding, e.g.
 * `TEXT_INDEX`), which it shares with nothing or with tables not named `index_sync_text_*`.
 * Throws a `BindingError` (`missing_binding` or `invalid_binding`, `.binding` `textIndex`)
 * when `db` is absent or is not a D1 database. */
export function textIndexFor(db: D1Database): TextIndexBinding {
  checkDatabase(db);
  const schema = () => SCHEMA.map((sql) => db.prepare(sql));
  return {
    put: async (entries: TextEntry[]) => {
      if (entries.length === 0) return;
      // One entry per id, the last given, as a later put replaces an earlier one.
      const byId = new Map(entries.map((entry) => [entry.id, entry]));
      const ids = [...byId.keys()];
      const rows = [...byId.values()];
      await db.batch([
        ...schema(),
        ...deletions(db, ids),
        ...chunks(rows, 4).map((part) =>
          db
            .prepare(`INSERT INTO ${ENTRIES} (id, user, project, metadata) VALUES ${placeholders(part.length, 4)}`)
            .bind(...part.flatMap(({ id, user, project, metadata }) => [id, user, project, JSON.stringify(metadata)])),
        ),
        ...chunks(rows, 2).map((part) =>
          db
            .prepare(
              `INSERT INTO ${WORDS} (rowid, words) SELECT e.rowid, v.column2 ` +
                `FROM (VALUES ${placeholders(part.length, 2)}) AS v JOIN ${ENTRIES} e ON e.id = v.column1`,
            )
            .bind(...part.flatMap(({ id, words }) => [id, words])),
        ),
      ]);
    },
    query: async (user: string, project: string, terms: string[], topK: number): Promise<TextMatch[]> => {
      if (terms.length === 0 || topK <= 0) return [];
      let found: D1Result<Found>;
      try {
        found = await db.prepare(QUERY).bind(anyOf(terms), user, project, topK).all<Found>();
      } catch (error) {
        // No write made the tables yet: an empty index.
        if (error instanceof Error && /no such table/i.test(error.message)) return [];
        throw error;
      }
      return found.results.map(({ id, score, metadata }) => ({ id, score, metadata: parsedObject(metadata) }));
    },
    delete: async (ids: string[]) => {
      if (ids.length === 0) return;
      await db.batch([...schema(), ...deletions(db, [...new Set(ids)])]);
    },
  };
}

/** The statements deleting the entries of `ids`, words and rows. */
function deletions(db: D1Database, ids: string[]): D1PreparedStatement[] {
  return chunks(ids, 1).flatMap((part) => {
    const list = placeholders(part.length, 1);
    return [
      db.prepare(`DELETE FROM ${WORDS} WHERE rowid IN (SELECT rowid FROM ${ENTRIES} WHERE id IN ${list})`).bind(...part),
      db.prepare(`DELETE FROM ${ENTRIES} WHERE id IN ${list}`).bind(...part),
    ];
  });
}

/** `items` in runs that bind at most `MAX_PARAMETERS` with `each` parameters per item. */
function chunks<T>(items: T[], each: number): T[][] {
  const size = Math.floor(MAX_PARAMETERS / each);
  const out: T[][] = [];
  for (let at = 0; at < items.length; at += size) out.push(items.slice(at, at + size));
  return out;
}

/** `(?, ?), (?, ?)` for two rows of two; `(?, ?, ?)` for three rows of one. */
function placeholders(rows: number, each: number): string {
  if (each === 1) return `(${Array(rows).fill("?").join(", ")})`;
  const row = `(${Array(each).fill("?").join(", ")})`;
  return Array(rows).fill(row).join(", ");
}

/** An FTS5 query holding any of `terms`, each a quoted phrase. */
export function anyOf(terms: string[]): string {
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(" OR ");
}

/** Stored metadata as an object; `null` for text that is not a JSON object. */
function parsedObject(text: string): JsonObject | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
  } catch {
    return null;
  }
}

const DECLARE =
  'declare a D1 database in wrangler.jsonc: "d1_databases": [{"binding": "TEXT_INDEX", ' +
  '"database_name": "index-sync-text", "database_id": "<id from `wrangler d1 create index-sync-text`>"}]';

function checkDatabase(db: unknown): void {
  if (db === undefined || db === null) {
    throw new BindingError("missing_binding", "textIndex", `index-sync: textIndexFor got no D1 database; ${DECLARE}`);
  }
  const { prepare, batch } = db as { prepare?: unknown; batch?: unknown };
  if (typeof prepare !== "function" || typeof batch !== "function") {
    throw new BindingError("invalid_binding", "textIndex", `index-sync: textIndexFor needs a D1 database; ${DECLARE}`);
  }
}
