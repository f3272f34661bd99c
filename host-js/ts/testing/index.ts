/**
 * `index-sync/testing`: in-memory fakes of Workers AI, Vectorize, the text index and the
 * coordinator that behave as the conformance scenarios specify (tests/README.md, "AI",
 * "Vectorize", "Text index" and "Coordinator"), for tests, and AI and Vectorize for running a Worker under `wrangler dev`
 * with workerd's local KV, the real `IndexCoordinator` Durable Object (which workerd runs
 * locally) and no Cloudflare account.
 * Never a production binding: the AI is a deterministic stand-in (summaries are a chunk's
 * first line, embeddings a hashed bag of its identifiers).
 *
 *   import { FakeAi, StoredVectorize } from "index-sync/testing";
 *   const ai = new FakeAi();
 *   const vectorize = new StoredVectorize(env.DEV_VECTORS); // a KV namespace of its own
 *
 * Every call is counted on a `CallLedger` (one of its own unless one is given), which can
 * also make the next calls of a name fail, as the scenarios' `failNext` does.
 */
export { embed, FakeAi, fnv1a32, runModel, tokens } from "./ai.js";
export { cosine, FakeVectorize, VectorIndex } from "./vectorize.js";
export { StoredVectorize } from "./stored-vectorize.js";
export { FakeTextIndex, TextIndex } from "./text-index.js";
export { CoordinatorTable, CountedCoordinator, FakeCoordinator } from "./coordinator.js";
export { CallLedger, COUNTED_NAMES, SCENARIO_EPOCH } from "./ledger.js";
export type { BilledName, CallName, FaultMode } from "./ledger.js";
