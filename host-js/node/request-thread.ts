/**
 * One request on the engine component, on a worker thread of its own (threaded.ts): an
 * instance of jco's synchronous transpilation whose imports block. Each binding call is
 * posted to the main thread, which makes it when the schedule grants it; this thread waits
 * on the bell (`Atomics.wait`), then reads the reply from its port at once
 * (`receiveMessageOnPort`). The answer is posted back when the operation is over, its work
 * after the response included (the component returns only then).
 */
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { instantiate } from "../pkg/component-node/engine.js";
import { BINDING_METHODS } from "../dist/bindings.js";
import type { BindingName } from "../dist/errors.js";
import { type Capabilities, componentImports } from "../dist/component/imports.js";
import { createEngine, type Instantiate, serve } from "../dist/component/operations.js";
import type { ThreadMessage, ThreadReply, ThreadRequest } from "./threaded.js";

const request = workerData as ThreadRequest;
const bell = new Int32Array(request.bell);
const main = parentPort;
if (main === null) throw new Error("request-thread.ts runs as a worker thread");

/** Posts a call and blocks until its reply. */
function ask(binding: BindingName, method: string, args: unknown[]): unknown {
  const message: ThreadMessage = { call: { binding, method, args } };
  main?.postMessage(message);
  Atomics.wait(bell, 0, 0);
  Atomics.store(bell, 0, 0);
  const reply = receiveMessageOnPort(request.replies)?.message as ThreadReply | undefined;
  if (reply === undefined) throw new Error(`no reply to ${binding}.${method}`);
  if ("error" in reply) {
    const { name, message, code } = reply.error;
    throw Object.assign(new Error(message), code === undefined ? { name } : { name, code });
  }
  return reply.value;
}

/** Each binding as an object whose methods ask the main thread. */
const capabilities = Object.fromEntries(
  (Object.entries(BINDING_METHODS) as [BindingName, readonly string[]][]).map(([binding, methods]) => [
    binding,
    Object.fromEntries(methods.map((method) => [method, (...args: unknown[]) => ask(binding, method, args)])),
  ]),
) as unknown as Capabilities;

const getCoreModule = (path: string): WebAssembly.Module => {
  const module = request.modules[path];
  if (module === undefined) throw new Error(`no core module ${path} in jco's output`);
  return module;
};
const root = (instantiate as unknown as Instantiate)(getCoreModule, componentImports(capabilities));
const engine = createEngine(root, request.config);
const answer = await serve(engine, request);
const done: ThreadMessage = { answer: { status: answer.status, json: answer.json } };
main.postMessage(done);
