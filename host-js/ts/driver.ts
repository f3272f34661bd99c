/**
 * Drives one engine operation: poll a step, run an `io` batch concurrently, hand the
 * outcomes back, until the response. Batches after the response (marker refreshes) go to
 * `waitUntil` when the host gives one, so the response is not held up; else they are
 * awaited before the response resolves, so nothing is cut off.
 */
import type { Bindings } from "./bindings.js";
import { perform } from "./effects.js";
import { BatchArrays, type Effect, type IndexResponse, indexResponse, pollStep, type WireOperation } from "./wire.js";

/** An engine operation as the driver sees it: its wire form, freed once done. (Typed here
 * rather than by the wasm-bindgen module's declarations, which a user's `tsc` would then
 * read: they need `lib: esnext` for `Symbol.dispose`.) */
export interface Operation extends WireOperation {
  free(): void;
}

/** Hands work that may outlive the response to the runtime (`ctx.waitUntil`). */
export type WaitUntil = (work: Promise<unknown>) => void;

const NO_RESPONSE: IndexResponse = indexResponse(
  500,
  JSON.stringify({ error: { code: "no_response", message: "the operation ended without a response" } }),
);

/** Runs `operation` to its response; frees it once it is done. */
export async function drive(operation: Operation, bindings: Bindings, waitUntil?: WaitUntil): Promise<IndexResponse> {
  let finishing = false;
  try {
    const response = await runUntilResponse(operation, bindings);
    if (response === undefined) return NO_RESPONSE;
    const rest = runToEnd(operation, bindings);
    finishing = true;
    if (waitUntil) {
      waitUntil(rest);
    } else {
      await rest;
    }
    return response;
  } finally {
    if (!finishing) operation.free();
  }
}

async function runUntilResponse(operation: Operation, bindings: Bindings): Promise<IndexResponse | undefined> {
  for (;;) {
    const step = pollStep(operation);
    if ("io" in step) {
      await runBatch(operation, step.io, bindings);
    } else if ("respond" in step) {
      return step.respond;
    } else {
      return undefined;
    }
  }
}

/** The work after the response; never rejects, and frees the operation at the end. */
async function runToEnd(operation: Operation, bindings: Bindings): Promise<void> {
  try {
    for (;;) {
      const step = pollStep(operation);
      if (!("io" in step)) return;
      await runBatch(operation, step.io, bindings);
    }
  } catch (error) {
    // The response is sent; a failed refresh only leaves a marker to refresh next time.
    console.error("index-sync: work after the response failed", error);
  } finally {
    operation.free();
  }
}

/** Runs one batch concurrently and hands back one outcome per effect, in order. */
async function runBatch(operation: Operation, batch: Effect[], bindings: Bindings): Promise<void> {
  const arrays = new BatchArrays();
  const outcomes = await Promise.all(batch.map((effect) => perform(effect, bindings, arrays)));
  const text = arrays.text(); // fills in the spans the outcomes name: before the JSON
  operation.handle(JSON.stringify(outcomes), arrays.floats(), text);
}
