/**
 * The engine component under jco in Node, as the benchmark's `Server` (server.ts), beside
 * `engineServer` (the wasm-bindgen module behind the package's driver):
 *
 *   const { component, figures } = loadComponent(`${pkgDir}/component-node`, componentPath);
 *   const server = componentServer(component, configJson, world.syncBindings(), () => world.now);
 *
 * The component runs in jco's synchronous mode (node/component.ts): its bindings must answer
 * at once, as the bench world's `syncBindings()` and test/fakes/memory.ts's `MemoryWorld`
 * do; a binding that returns a promise fails its call. `figures` are the component's sizes
 * and its instantiate times (node/load.ts; `host-js/component.sh figures` prints them).
 */
import type { Capabilities } from "../ts/component/imports.js";
import { NodeComponent } from "../node/component.js";
import { indexerServer, type Server } from "./server.js";

export { type ComponentFigures, loadComponent } from "../node/load.js";
export { NodeComponent };

/** The component's `init` and `sync` over `bindings`, one instance for every request (it
 * cannot be entered twice at once: nothing awaits), the engine made once for `configJson`. */
export function componentServer(component: NodeComponent, configJson: string, bindings: Capabilities, now: () => number): Server {
  return indexerServer(component.createIndexer({ ...bindings, config: configJson, clock: now }));
}
