/**
 * The chunks the workloads send: the same formula as the Rust side
 * (host-native/benches/workloads/data.rs), so both send the very same bytes.
 */
import { createHash } from "node:crypto";

/** One chunk as a client sends it. */
export interface Chunk {
  hash: string;
  code: string;
  filePath: string;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Chunk `i` of the set `salt`. */
export function syntheticOne(i: number, salt: string): Chunk {
  const code = `fn item_${salt}_${i}() -> u32 { ${i} }`;
  return { hash: sha256Hex(code), code, filePath: `src/${i}.rs` };
}

/** `n` distinct chunks. */
export function synthetic(n: number, salt: string): Chunk[] {
  return Array.from({ length: n }, (_, i) => syntheticOne(i, salt));
}

/** W5's project after `sync` syncs: 2% of the chunks replaced each sync, cycling. */
export function mixedDayVersion(base: Chunk[], sync: number): Chunk[] {
  const perSync = Math.floor(base.length / 50);
  const chunks = [...base];
  for (let s = 1; s <= sync; s++) {
    const start = ((s - 1) * perSync) % base.length;
    for (let i = start; i < start + perSync; i++) chunks[i] = syntheticOne(i, `w5v${s}`);
  }
  return chunks;
}
