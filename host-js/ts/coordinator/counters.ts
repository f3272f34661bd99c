/**
 * The coordinator's rules for one user's counters against the quotas (tests/README.md,
 * "Coordinator"; host-native/src/fakes/quota_counters.rs), written once for the two places
 * that keep them: the Durable Object (`IndexCoordinator`, rows of its SQLite) and
 * index-sync/testing's fake (a map in memory). Pure: the caller reads the counters, applies
 * a rule and keeps what comes back, in one atomic step.
 *
 * - The counters are of one UTC day, the latest any charge named: a charge of a later day
 *   first sets every project's AI units to 0; the AI units of a charge of an earlier day
 *   count in the counters' day.
 * - `charge` grants `min(ai, aiLimit - AI units of all projects)` AI units (all asked for
 *   without a limit) and likewise vectors against `vectorsLimit` and the vectors of all
 *   projects; adds what it granted to the project's counters; answers the grant and the
 *   user's totals after it.
 * - `credit` takes from the project's counters, never below 0: vectors always, AI units
 *   only when its day is the counters' day.
 * - `usage(day)` lists each project whose counters are not both 0, in project order (the
 *   UTF-8 bytes of its name): its AI units (0 for another day) and its vectors.
 */
import type { Charged, ProjectUsage } from "../bindings.js";

/** One project's counters: AI units on the user's day, vectors held. */
export interface ProjectCounters {
  ai: number;
  vectors: number;
}

/** One user's counters. */
export interface UserCounters {
  /** The UTC day (Unix seconds / 86,400) the AI units are of. */
  day: number;
  projects: Map<string, ProjectCounters>;
}

/** A user with nothing counted yet. */
export function noCounters(): UserCounters {
  return { day: 0, projects: new Map() };
}

/** A copy that later changes to `counters` leave alone. */
export function copyCounters(counters: UserCounters): UserCounters {
  return { day: counters.day, projects: new Map([...counters.projects].map(([p, c]) => [p, { ...c }])) };
}

/** The largest count (the WIT's `u32`): counters saturate there, as the Rust fake's do. */
const U32_MAX = 2 ** 32 - 1;

function add(a: number, b: number): number {
  return Math.min(a + b, U32_MAX);
}

/** The user's AI units and vectors, all projects. */
function totals(counters: UserCounters): [number, number] {
  let ai = 0;
  let vectors = 0;
  for (const p of counters.projects.values()) {
    ai = add(ai, p.ai);
    vectors = add(vectors, p.vectors);
  }
  return [ai, vectors];
}

/** Grants what the limits leave and counts it to `project` (module doc); changes `counters`. */
export function charge(
  counters: UserCounters,
  project: string,
  day: number,
  ai: number,
  aiLimit: number | null,
  vectors: number,
  vectorsLimit: number | null,
): Charged {
  if (day > counters.day) {
    counters.day = day;
    for (const p of counters.projects.values()) p.ai = 0;
  }
  const [used, held] = totals(counters);
  const grant = (asked: number, limit: number | null, counted: number) => (limit === null ? asked : Math.min(asked, Math.max(limit - counted, 0)));
  const grantedAi = grant(ai, aiLimit, used);
  const grantedVectors = grant(vectors, vectorsLimit, held);
  const own = counters.projects.get(project) ?? { ai: 0, vectors: 0 };
  counters.projects.set(project, { ai: add(own.ai, grantedAi), vectors: add(own.vectors, grantedVectors) });
  return { ai: grantedAi, vectors: grantedVectors, aiUsed: add(used, grantedAi), vectorsHeld: add(held, grantedVectors) };
}

/** Gives back to `project`, never below 0 (module doc); changes `counters`. */
export function credit(counters: UserCounters, project: string, day: number, ai: number, vectors: number): void {
  const own = counters.projects.get(project);
  if (own === undefined) return;
  if (day === counters.day) own.ai = Math.max(own.ai - ai, 0);
  own.vectors = Math.max(own.vectors - vectors, 0);
}

/** Each project's counters on `day` (module doc). */
export function usage(counters: UserCounters, day: number): ProjectUsage[] {
  return [...counters.projects]
    .filter(([, c]) => c.ai > 0 || c.vectors > 0)
    .sort(([a], [b]) => compareUtf8(a, b))
    .map(([project, c]) => ({ project, aiToday: day === counters.day ? c.ai : 0, vectors: c.vectors }));
}

const utf8 = new TextEncoder();

/** Byte order of two strings' UTF-8. */
function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  }
  return x.length - y.length;
}
