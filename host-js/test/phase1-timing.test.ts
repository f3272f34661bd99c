/**
 * One phase-1 sync of the largest request the engine takes (10,000 hashes by default)
 * inside workerd with the fakes: the engine plans the bulk reads, the driver runs them
 * concurrently. Logs the time taken (workerd's clock advances on I/O only); no timing
 * assertion.
 */
import { env } from "cloudflare:workers";
import { createIndexer } from "index-sync";
import { expect, it } from "vitest";
import { World } from "./fakes/world.js";

const HASHES = 10_000;
/** The engine's default `kvBulkGetSize`: Workers KV reads at most 100 keys at once. */
const KEYS_PER_BULK_READ = 100;

it(`answers a phase-1 sync of ${HASHES} hashes with ${HASHES / KEYS_PER_BULK_READ} bulk reads`, async () => {
  const world = await World.fresh(env);
  const indexer = createIndexer({ ...world.bindings(), clock: () => world.ledger.now });
  const hashes = Array.from({ length: HASHES }, (_, i) => `chunk-${i.toString(16).padStart(8, "0")}`);
  const body = JSON.stringify({ phase: 1, projectId: "big-project", chunks: hashes.map((hash) => ({ hash })) });

  const started = Date.now();
  const response = await indexer.sync(body, "alice@example.com");
  const elapsed = Date.now() - started;

  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ needed: hashes, cached: [] });
  expect(world.ledger.snapshot().get("kv.get")).toBe(HASHES / KEYS_PER_BULK_READ);
  console.log(`phase-1 sync of ${HASHES} hashes: ${elapsed} ms (${body.length} bytes of body)`);
});
