/**
 * Compile-time checks (run by `tsc --noEmit`): Cloudflare's own binding types fit the
 * package's binding interfaces, so `createIndexer({ kv: env.KV, ai: env.AI, ... })` needs
 * no cast in a real Worker.
 */
import type { AiBinding, KvBinding, VectorizeBinding } from "index-sync";

type Fits<Binding, Interface> = Binding extends Interface ? true : false;

export const kvNamespaceFits: Fits<KVNamespace, KvBinding> = true;
export const aiFits: Fits<Ai, AiBinding> = true;
export const vectorizeFits: Fits<Vectorize, VectorizeBinding> = true;
export const legacyVectorizeIndexFits: Fits<VectorizeIndex, VectorizeBinding> = true;
