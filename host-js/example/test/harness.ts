/**
 * The example Worker called as a client would: requests with a user's bearer token (the
 * TOKENS secret lists only digests), the counting fakes for AI and Vectorize, workerd's
 * local KV and the real coordinator Durable Object. For the tests of its routes.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { World } from "../../test/fakes/world.js";
import { tokenDigest } from "../src/auth.js";
import worker, { type Env } from "../src/worker.js";

/** Each user's token. */
export const TOKEN_OF: Record<string, string> = {
  "alice@example.com": "alice-token-9f1c",
  "bob@company.com": "bob-token-27ad",
};

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

/** A fresh world and the Worker's env over it, with `extra` (e.g. INDEX_SYNC_CONFIG). */
export async function freshWorker(extra: Partial<Env> = {}): Promise<{ world: World; workerEnv: Env }> {
  const world = await World.fresh(env);
  const entries = await Promise.all(
    Object.entries(TOKEN_OF).map(async ([user, token]) => [hex(await tokenDigest(token)), user] as const),
  );
  const workerEnv: Env = {
    INDEX_KV: env.INDEX_KV,
    INDEX_COORDINATOR: env.INDEX_COORDINATOR,
    // The counting fakes implement only the methods index-sync calls, hence the casts.
    AI: world.ai as unknown as Ai,
    VECTORIZE: world.vectorize as unknown as Vectorize,
    TOKENS: JSON.stringify(Object.fromEntries(entries)),
    ...extra,
  };
  return { world, workerEnv };
}

/** What `send` takes: the user (a key of TOKEN_OF), a raw `Authorization` value, or null. */
export interface Send {
  user: string | null;
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One request to the Worker, its background work awaited; the response as it came. */
export async function send(workerEnv: Env, path: string, { user, method = "POST", body, headers = {} }: Send): Promise<Response> {
  const all = new Headers({ "content-type": "application/json", ...headers });
  if (user !== null) all.set("authorization", TOKEN_OF[user] === undefined ? user : `Bearer ${TOKEN_OF[user]}`);
  const init: RequestInit = { method, headers: all };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`https://index.example${path}`, init), workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** `send`, its body read as JSON. */
export async function post(workerEnv: Env, path: string, user: string | null, body?: unknown) {
  const response = await send(workerEnv, path, { user, body });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

/** A chunk of `init` or phase 2, at lines `startLine..endLine` of `filePath`. */
export function chunk(hash: string, code: string, filePath: string, startLine: number) {
  return { hash, code, filePath, startLine, endLine: startLine + code.split("\n").length - 1 };
}
