/** The Node 22 APIs the component's threaded host uses (threaded.ts, request-thread.ts), beside
 * bench/node.d.ts's: the package has no @types/node in its Worker-typed programs. */
declare module "node:worker_threads" {
  export class MessagePort {
    postMessage(value: unknown): void;
    close(): void;
  }
  export class MessageChannel {
    readonly port1: MessagePort;
    readonly port2: MessagePort;
  }
  export class Worker {
    constructor(script: URL, options: { workerData: unknown; transferList: MessagePort[] });
    on(event: "message", listener: (message: never) => void): this;
    on(event: "error", listener: (error: Error) => void): this;
    on(event: "exit", listener: (code: number) => void): this;
    terminate(): Promise<number>;
  }
  export const parentPort: MessagePort | null;
  export const workerData: unknown;
  export function receiveMessageOnPort(port: MessagePort): { message: unknown } | undefined;
}

/** An ES module's own URL (the bundles find request-thread.mjs beside them by it). */
interface ImportMeta {
  readonly url: string;
}
