/**
 * `IndexCoordinator`: the coordinator as a Durable Object, one object per user
 * (`namespace.getByName(user)`), holding that user's projects' leases and record states in
 * one SQLite table keyed by project.
 *
 * Why a Durable Object: KV cannot compare-and-set and shows a write late, so two requests
 * of one tenant could both believe they hold it. A Durable Object is one consistent place
 * per name: its calls run one at a time, each against what the previous one wrote.
 *
 * Why one per user and not one per (user, project): a user's projects are few and their
 * calls few (a handful per request, each answered at once), so one object serves them all
 * without queueing, and whatever is per user (per-user quotas, say) lives beside the
 * leases in the same object, read and changed in the same atomic call. One object for
 * every user would queue all tenants' calls behind each other in one place.
 *
 * Each method is synchronous: SQL statements only (`ctx.storage.sql`), inside
 * `transactionSync`, no `await` between a read and its write, so a call is atomic and
 * answers at once. Nothing here calls AI, Vectorize or KV: an object is billed for the
 * time it waits, and it never waits. The time comes from the caller (`coordinatorFor`'s
 * clock), as the engine's `now` does. The rules are `rules.ts`, which index-sync/testing's
 * fake follows too. Tokens: one counter per object, kept in SQLite so that a token is never
 * granted twice, not even after the object was evicted.
 *
 * Declare it in wrangler.jsonc (README: "One tenant, many clients"):
 *
 *   "durable_objects": { "bindings": [{ "name": "INDEX_COORDINATOR", "class_name": "IndexCoordinator" }] },
 *   "migrations": [{ "tag": "index-coordinator-v1", "new_sqlite_classes": ["IndexCoordinator"] }]
 *
 * and re-export it from the Worker's main module: `export { IndexCoordinator } from "index-sync";`.
 */
import { DurableObject } from "cloudflare:workers";
import type { Charged, Lease, ProjectUsage } from "../bindings.js";
import { charge, copyCounters, credit, noCounters, type UserCounters, usage } from "./counters.js";
import { acquire, type HeldLease, holds, NO_LEASE, release } from "./rules.js";

/** The tables, made on first use of an object (idempotent). `projects`: per project of
 * the user, the lease held (`lease_token` null once released) and the record state.
 * `tokens`: one row, the last token granted. `quota_day` (one row) and `quota_counters`
 * (per project): the user's counters against the quotas (counters.ts). */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS projects (
    project TEXT PRIMARY KEY,
    lease_token INTEGER,
    lease_until INTEGER NOT NULL DEFAULT 0,
    state TEXT
  );
  CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    last INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS quota_day (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    day INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS quota_counters (
    project TEXT PRIMARY KEY,
    ai INTEGER NOT NULL,
    vectors INTEGER NOT NULL
  );
`;

type LeaseRow = { lease_token: number | null; lease_until: number };

export class IndexCoordinator extends DurableObject<unknown> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
  }

  /** Takes `project`'s lease for `seconds` at `nowSeconds`, or with `token` extends the
   * one the caller holds (rules.ts). */
  acquire(project: string, seconds: number, token: number | null, nowSeconds: number): Lease {
    checkProject(project);
    checkWhole("seconds", seconds);
    checkWhole("nowSeconds", nowSeconds);
    if (token !== null) checkWhole("token", token);
    return this.ctx.storage.transactionSync(() => {
      const last = this.lastToken();
      const decided = acquire(this.heldLease(project), seconds, token ?? undefined, nowSeconds, last + 1);
      if (decided.grantedNext) {
        this.sql.exec("INSERT INTO tokens (id, last) VALUES (0, ?) ON CONFLICT(id) DO UPDATE SET last = excluded.last", last + 1);
      }
      if ("granted" in decided.lease) this.writeLease(project, decided.held);
      return decided.lease;
    });
  }

  /** Gives `project`'s lease back; a token that no longer holds it changes nothing. */
  release(project: string, token: number): void {
    checkProject(project);
    checkWhole("token", token);
    this.ctx.storage.transactionSync(() => {
      const held = this.heldLease(project);
      const after = release(held, token);
      if (after !== held) this.writeLease(project, after);
    });
  }

  /** `project`'s record state as last written, or `null`. */
  readState(project: string): string | null {
    checkProject(project);
    const [row] = this.sql.exec<{ state: string | null }>("SELECT state FROM projects WHERE project = ?", project).toArray();
    return row?.state ?? null;
  }

  /** Replaces `project`'s record state (`null` removes it) when `token` holds the lease;
   * whether it did. */
  writeState(project: string, token: number, state: string | null): boolean {
    checkProject(project);
    checkWhole("token", token);
    if (state !== null && typeof state !== "string") throw new TypeError("IndexCoordinator: state must be text or null");
    return this.ctx.storage.transactionSync(() => {
      if (!holds(this.heldLease(project), token)) return false;
      this.sql.exec("UPDATE projects SET state = ? WHERE project = ?", state, project);
      return true;
    });
  }

  /** Grants what the user's quotas leave of `ai` AI units of the UTC `day` and `vectors`
   * new vectors (`null` limit: none), counts the grant to `project`, and answers it with
   * the user's totals after (counters.ts). */
  charge(project: string, day: number, ai: number, aiLimit: number | null, vectors: number, vectorsLimit: number | null): Charged {
    checkProject(project);
    for (const [name, value] of Object.entries({ day, ai, vectors })) checkWhole(name, value);
    if (aiLimit !== null) checkWhole("aiLimit", aiLimit);
    if (vectorsLimit !== null) checkWhole("vectorsLimit", vectorsLimit);
    return this.ctx.storage.transactionSync(() => {
      const counters = this.counters();
      const before = copyCounters(counters);
      const charged = charge(counters, project, day, ai, aiLimit, vectors, vectorsLimit);
      this.writeCounters(before, counters);
      return charged;
    });
  }

  /** Gives back to `project`'s counters, never below 0: `ai` units of `day` (none for
   * another day) and `vectors`. */
  credit(project: string, day: number, ai: number, vectors: number): void {
    checkProject(project);
    for (const [name, value] of Object.entries({ day, ai, vectors })) checkWhole(name, value);
    this.ctx.storage.transactionSync(() => {
      const counters = this.counters();
      const before = copyCounters(counters);
      credit(counters, project, day, ai, vectors);
      this.writeCounters(before, counters);
    });
  }

  /** The user's counters per project: AI units of `day`, vectors held. */
  usage(day: number): ProjectUsage[] {
    checkWhole("day", day);
    return usage(this.counters(), day);
  }

  private counters(): UserCounters {
    const counters = noCounters();
    const [row] = this.sql.exec<{ day: number }>("SELECT day FROM quota_day WHERE id = 0").toArray();
    counters.day = row?.day ?? 0;
    for (const { project, ai, vectors } of this.sql.exec<{ project: string; ai: number; vectors: number }>(
      "SELECT project, ai, vectors FROM quota_counters",
    )) {
      counters.projects.set(project, { ai, vectors });
    }
    return counters;
  }

  /** Writes the rows that changed from `before` to `after` only: a Durable Object bills
   * each row written, and a charge changes one project's row (and the day's on a new day,
   * when the other projects' AI units also drop to 0). */
  private writeCounters(before: UserCounters, after: UserCounters): void {
    if (after.day !== before.day) {
      this.sql.exec("INSERT INTO quota_day (id, day) VALUES (0, ?) ON CONFLICT(id) DO UPDATE SET day = excluded.day", after.day);
    }
    for (const [project, { ai, vectors }] of after.projects) {
      const was = before.projects.get(project);
      if (was !== undefined && was.ai === ai && was.vectors === vectors) continue;
      this.sql.exec(
        `INSERT INTO quota_counters (project, ai, vectors) VALUES (?, ?, ?)
         ON CONFLICT(project) DO UPDATE SET ai = excluded.ai, vectors = excluded.vectors`,
        project,
        ai,
        vectors,
      );
    }
  }

  private heldLease(project: string): HeldLease {
    const [row] = this.sql.exec<LeaseRow>("SELECT lease_token, lease_until FROM projects WHERE project = ?", project).toArray();
    return row === undefined ? NO_LEASE : { token: row.lease_token, until: row.lease_until };
  }

  private writeLease(project: string, { token, until }: HeldLease): void {
    this.sql.exec(
      `INSERT INTO projects (project, lease_token, lease_until) VALUES (?, ?, ?)
       ON CONFLICT(project) DO UPDATE SET lease_token = excluded.lease_token, lease_until = excluded.lease_until`,
      project,
      token,
      until,
    );
  }

  private lastToken(): number {
    const [row] = this.sql.exec<{ last: number }>("SELECT last FROM tokens WHERE id = 0").toArray();
    return row?.last ?? 0;
  }
}

/** Seconds and tokens are whole numbers that JavaScript and SQLite both hold exactly (a
 * caller other than `coordinatorFor` is refused before anything is read or written). */
function checkWhole(name: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`IndexCoordinator: ${name} must be a whole number of at least 0, not ${String(value)}`);
  }
}

function checkProject(project: unknown): asserts project is string {
  if (typeof project !== "string") throw new TypeError("IndexCoordinator: project must be text");
}
