/**
 * Overlapping requests on the engine component under jco in Node: each request on a worker
 * thread of its own (request-thread.ts), as the Wasmtime host runs each on a thread of its
 * own (host-native/src/component/concurrent.rs).
 *
 * Why threads: the component's operations call their imports and take the answer at once,
 * and an operation can only stop between two calls if its import can wait. Under JSPI an
 * import returns a promise and the engine is suspended (workerd does so); Node 22's V8 has
 * no JSPI (`WebAssembly.Suspending` is undefined, with `--experimental-wasm-jspi` too), and
 * a newer Node from npm would be a second runtime for one runner. So each request gets an
 * instance (jco's synchronous transpilation, as for sequential requests) on a thread whose
 * imports block: each call is posted to this thread, which makes it on the one shared
 * world when the scenario's schedule grants it (the bindings it is given wait for the
 * grant), then answers through a port and wakes the request's thread with `Atomics.notify`;
 * that thread reads the answer with `receiveMessageOnPort` and carries on.
 *
 * Everything crosses by structured clone: arguments (`Float32Array` vectors included) and
 * answers (KV's `Map` of values, pages, matches, leases). A binding's error crosses as its
 * name and message, which is all the imports read of it (`hostError`).
 */
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { BINDING_METHODS, checkBindings } from "../dist/bindings.js";
import type { BindingName } from "../dist/errors.js";
import { type IndexerConfig, configJson, isHybrid } from "../dist/config.js";
import type { WaitUntil } from "../dist/driver.js";
import type { Indexer, RequestBody } from "../dist/indexer.js";
import { bodyBytes, type IndexResponse, indexResponse } from "../dist/wire.js";
import type { Capabilities } from "../dist/component/imports.js";
import type { RequestKind } from "../dist/component/operations.js";
import type { NodeComponent } from "./component.js";

/** What the request's thread is given. */
export interface ThreadRequest {
  /** The core modules jco emitted, compiled, by file name. */
  modules: Record<string, WebAssembly.Module>;
  config: string;
  kind: RequestKind;
  user: string;
  body: Uint8Array;
  now: number;
  /** One `Int32Array` cell: set to 1, and notified, when a reply waits on `replies`. */
  bell: SharedArrayBuffer;
  replies: MessagePort;
}

/** From the request's thread: a call to make, or the answer. */
export type ThreadMessage = { call: { binding: BindingName; method: string; args: unknown[] } } | { answer: { status: number; json: string } };

/** To the request's thread: a call's value, or its error (with its own code, if any: a
 * fake's refusal). */
export type ThreadReply = { value: unknown } | { error: { name: string; message: string; code?: string } };

/** What the threaded `createIndexer` takes: bindings answering with promises (a scenario's
 * held bindings), the config and clock. `waitUntil` is accepted, as the component entry
 * accepts it: the component finishes every effect before it answers. */
export interface ThreadedIndexerOptions extends Capabilities {
  config?: IndexerConfig | string;
  clock?: () => number;
  waitUntil?: WaitUntil;
}

/** The component, one thread per request. */
export class ThreadedComponent {
  constructor(
    /** The bundle of request-thread.ts. */
    private readonly script: URL,
    private readonly modules: Record<string, WebAssembly.Module>,
    /** For the config check at creation, in this thread. */
    private readonly component: NodeComponent,
  ) {}

  /** The package's `Indexer`, each request on a thread: the same `BindingError` and
   * `ConfigError` at creation (the config is checked here, on an instance of this thread),
   * the same responses. */
  createIndexer(options: ThreadedIndexerOptions): Indexer {
    const config = configJson(options.config);
    checkBindings(options, { hybrid: isHybrid(config) });
    this.component.engine(options, config);
    const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    const run = (kind: RequestKind) => (body: RequestBody, userId: string) =>
      this.serve(options, { config, kind, user: userId, body: bodyBytes(body), now: clock() });
    return {
      init: run("init"),
      sync: run("sync"),
      search: run("search"),
      remove: run("remove"),
      usage: run("usage"),
      status: run("status"),
    };
  }

  /** One request on a new thread; resolves to its answer once the thread has given it. */
  private serve(bindings: Capabilities, request: Omit<ThreadRequest, "modules" | "bell" | "replies">): Promise<IndexResponse> {
    return new Promise((resolve, reject) => {
      const bell = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
      const { port1: replies, port2 } = new MessageChannel();
      const workerData: ThreadRequest = { ...request, modules: this.modules, bell, replies: port2 };
      const worker = new Worker(this.script, { workerData, transferList: [port2] });
      const reply = (answer: ThreadReply) => {
        replies.postMessage(answer);
        const cell = new Int32Array(bell);
        Atomics.store(cell, 0, 1);
        Atomics.notify(cell, 0);
      };
      let answered = false;
      worker.on("message", (message: ThreadMessage) => {
        if ("answer" in message) {
          answered = true;
          resolve(indexResponse(message.answer.status, message.answer.json));
          void worker.terminate();
          return;
        }
        const { binding, method, args } = message.call;
        callBinding(bindings, binding, method, args).then(
          (value) => reply({ value }),
          (error: unknown) => reply({ error: errorOf(error) }),
        );
      });
      worker.on("error", reject);
      worker.on("exit", (code) => {
        replies.close();
        if (!answered) reject(new Error(`the request's thread exited (code ${code}) without an answer`));
      });
    });
  }
}

/** Makes one call of the thread's on `bindings`. */
async function callBinding(bindings: Capabilities, binding: BindingName, method: string, args: unknown[]): Promise<unknown> {
  if (!BINDING_METHODS[binding]?.includes(method)) throw new Error(`no binding method ${binding}.${method}`);
  const target = bindings[binding] as unknown as Record<string, (...a: unknown[]) => unknown> | undefined;
  if (target === undefined) throw new Error(`index-sync: no ${binding} binding`);
  return target[method]?.apply(target, args);
}

function errorOf(error: unknown): { name: string; message: string; code?: string } {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const { code } = error as Error & { code?: unknown };
  return typeof code === "string" ? { name: error.name, message: error.message, code } : { name: error.name, message: error.message };
}
