/**
 * The scenarios' body match: every key of `want` is in `got` with a matching value;
 * objects recurse; arrays have the same length and match element by element.
 */
import type { JsonValue } from "index-sync";

type JsonObject = { [key: string]: JsonValue };

const isObject = (v: JsonValue | undefined): v is JsonObject =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Every difference, as `path: got, expected want`. */
export function subset(path: string, want: JsonValue, got: JsonValue): string[] {
  if (isObject(want) && isObject(got)) {
    return Object.entries(want).flatMap(([key, w]) => {
      const g = got[key];
      return g === undefined ? [`${path}.${key}: missing, expected ${JSON.stringify(w)}`] : subset(`${path}.${key}`, w, g);
    });
  }
  if (Array.isArray(want) && Array.isArray(got)) {
    if (want.length !== got.length) {
      return [`${path}: ${JSON.stringify(got)}, expected ${want.length} items like ${JSON.stringify(want)}`];
    }
    return want.flatMap((w, i) => subset(`${path}[${i}]`, w, got[i] ?? null));
  }
  if (JSON.stringify(want) === JSON.stringify(got)) return [];
  return [`${path}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`];
}
