/**
 * Compile-time checks (run by `tsc --noEmit`): Cloudflare's own binding types fit the
 * package's binding interfaces, so `createIndexer({ kv: env.KV, ai: env.AI, ... })` needs
 * no cast in a real Worker.
 */
import type {
  AiBinding,
  CoordinatorBinding,
  coordinatorFor,
  IndexCoordinator,
  KvBinding,
  TextIndexBinding,
  textIndexFor,
  VectorizeBinding,
} from "index-sync";

type Fits<Binding, Interface> = Binding extends Interface ? true : false;

export const kvNamespaceFits: Fits<KVNamespace, KvBinding> = true;
export const aiFits: Fits<Ai, AiBinding> = true;
export const vectorizeFits: Fits<Vectorize, VectorizeBinding> = true;
export const legacyVectorizeIndexFits: Fits<VectorizeIndex, VectorizeBinding> = true;

/** The Worker's Durable Object binding of the class the package exports is what
 * `coordinatorFor` takes, and what it makes is the coordinator `createIndexer` takes. */
export const namespaceFits: Fits<DurableObjectNamespace<IndexCoordinator>, Parameters<typeof coordinatorFor>[0]> = true;
export const adapterFits: Fits<ReturnType<typeof coordinatorFor>, CoordinatorBinding> = true;

/** A Worker's D1 binding is what `textIndexFor` takes, and what it makes is the text index
 * `createIndexer` takes. */
export const d1Fits: Fits<D1Database, Parameters<typeof textIndexFor>[0]> = true;
export const textIndexFits: Fits<ReturnType<typeof textIndexFor>, TextIndexBinding> = true;
