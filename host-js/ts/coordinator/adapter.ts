/**
 * `coordinatorFor(env.INDEX_COORDINATOR)`: the engine's coordinator calls as RPC calls to the
 * `IndexCoordinator` Durable Object of the call's user, `namespace.getByName(user)` (one
 * object per user, holding that user's projects: durable-object.ts says why). The adapter
 * passes the time with each `acquire`, from the Worker's clock by default, so the object
 * reads no clock of its own and tests can pass the scenario's. A stub per call: making one
 * costs nothing, and a stub whose call failed may stay broken.
 */
import type { CoordinatorBinding } from "../bindings.js";
import { BindingError } from "../errors.js";
import type { IndexCoordinator } from "./durable-object.js";

/** What `coordinatorFor` takes besides the namespace. */
export interface CoordinatorOptions {
  /** The time in whole Unix seconds; default the Worker's clock. For tests. */
  clock?: () => number;
}

/** The coordinator binding over a Durable Object namespace of `IndexCoordinator`. Throws a
 * `BindingError` (`missing_binding` or `invalid_binding`, `.binding` `coordinator`) when
 * `namespace` is absent or is not a Durable Object namespace (wrangler.jsonc declares none,
 * or another kind of binding under that name). */
export function coordinatorFor(
  namespace: DurableObjectNamespace<IndexCoordinator>,
  options: CoordinatorOptions = {},
): CoordinatorBinding {
  checkNamespace(namespace);
  const clock = options.clock ?? unixSeconds;
  const of = (user: string) => namespace.getByName(user);
  return {
    acquire: (user, project, seconds, token) => of(user).acquire(project, seconds, token ?? null, clock()),
    release: (user, project, token) => of(user).release(project, token),
    readState: (user, project) => of(user).readState(project),
    writeState: (user, project, token, state) => of(user).writeState(project, token, state),
    charge: (user, project, day, ai, aiLimit, vectors, vectorsLimit) => of(user).charge(project, day, ai, aiLimit, vectors, vectorsLimit),
    credit: (user, project, day, ai, vectors) => of(user).credit(project, day, ai, vectors),
    usage: (user, day) => of(user).usage(day),
  };
}

const DECLARE =
  'declare it in wrangler.jsonc: "durable_objects": {"bindings": [{"name": "INDEX_COORDINATOR", ' +
  '"class_name": "IndexCoordinator"}]}, "migrations": [{"tag": "index-coordinator-v1", ' +
  '"new_sqlite_classes": ["IndexCoordinator"]}], and `export { IndexCoordinator } from "index-sync"` ' +
  "in the Worker's main module";

function checkNamespace(namespace: unknown): void {
  if (namespace === undefined || namespace === null) {
    throw new BindingError("missing_binding", "coordinator", `index-sync: coordinatorFor got no Durable Object namespace; ${DECLARE}`);
  }
  if (typeof (namespace as { getByName?: unknown }).getByName !== "function") {
    throw new BindingError("invalid_binding", "coordinator", `index-sync: coordinatorFor needs a Durable Object namespace; ${DECLARE}`);
  }
}

function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
