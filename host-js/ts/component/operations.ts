/**
 * The component's export `index-sync:engine/operations` as jco gives it, and the two steps
 * every jco host takes with it: make the engine resource for a config, and serve one
 * request on it. Shared by the Worker entry (JSPI, where the methods return promises) and
 * Node's synchronous host, so both answer alike.
 *
 * jco's own `.d.ts` types the methods as synchronous even under JSPI, so the hosts use
 * these types instead.
 */
import { ConfigError } from "../errors.js";
import { type IndexResponse, indexResponse } from "../wire.js";
import { type Awaitable, type ImportObject, isPromiseLike } from "./imports.js";

/** `operations.response`: an HTTP-shaped answer. */
export interface WitResponse {
  status: number;
  body: string;
}

/** The requests of the API, as the resource's methods. */
export type RequestKind = "init" | "sync" | "search" | "remove" | "usage" | "status";

/** The `indexer` resource: one configured engine. `now` is Unix seconds as a `u64`. */
export type EngineResource = Record<RequestKind, (user: string, body: Uint8Array, now: bigint) => Awaitable<WitResponse>>;

/** What jco's `instantiate` returns. */
export interface ComponentRoot {
  operations: { Indexer: { create(config: string): EngineResource } };
}

/** jco's instantiation-mode entry point, with synchronous instantiation: every core module
 * comes compiled from `getCoreModule` (in a Worker, modules imported as modules). */
export type Instantiate = (getCoreModule: (path: string) => WebAssembly.Module, imports: ImportObject) => ComponentRoot;

/** The engine for `config` (JSON text); a config the engine refuses throws a `ConfigError`
 * with the engine's reason, as the wasm-bindgen entry's `createIndexer` does. */
export function createEngine(root: ComponentRoot, config: string): EngineResource {
  try {
    return root.operations.Indexer.create(config);
  } catch (error) {
    const refusal = refusalOf(error);
    if (refusal === undefined) throw error;
    throw new ConfigError(errorMessage(refusal), { cause: error });
  }
}

/** Serves one request. `ok` and `err` are both answers (jco throws `err` as a
 * `ComponentError` carrying the response); anything else thrown is a trap, answered 500
 * `trap` as the Wasmtime host answers it, and reported to `onTrap`: the instance is spent. */
export function serve(
  engine: EngineResource,
  request: { kind: RequestKind; user: string; body: Uint8Array; now: number },
  onTrap: () => void = () => {},
): Awaitable<IndexResponse> {
  const settled = (response: WitResponse) => indexResponse(response.status, response.body);
  const failed = (error: unknown): IndexResponse => {
    const refusal = refusalOf(error);
    if (refusal !== undefined) return settled(refusal);
    onTrap();
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return indexResponse(500, JSON.stringify({ error: { code: "trap", message } }));
  };
  try {
    const { kind, user, body, now } = request;
    const answer = engine[kind](user, body, BigInt(Math.floor(now)));
    return isPromiseLike(answer) ? Promise.resolve(answer).then(settled, failed) : settled(answer);
  } catch (error) {
    return failed(error);
  }
}

/** The response inside a jco `ComponentError` (an exported `result`'s `err`). */
function refusalOf(error: unknown): WitResponse | undefined {
  if (!(error instanceof Error) || !("payload" in error)) return undefined;
  const { payload } = error as { payload: unknown };
  if (typeof payload !== "object" || payload === null) return undefined;
  const { status, body } = payload as { status?: unknown; body?: unknown };
  return typeof status === "number" && typeof body === "string" ? { status, body } : undefined;
}

/** The message of an engine error body, `{"error": {"code", "message"}}`. */
function errorMessage(refusal: WitResponse): string {
  try {
    const { error } = JSON.parse(refusal.body) as { error?: { message?: unknown } };
    if (typeof error?.message === "string") return error.message;
  } catch {
    // Not the engine's error shape: the body itself says most.
  }
  return refusal.body;
}
