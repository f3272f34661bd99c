/** The few Node 22 APIs the bench uses (the package has no @types/node). */
declare module "node:fs" {
  export function readFileSync(path: string): Uint8Array;
  export function readFileSync(path: string, encoding: "utf8"): string;
  export function writeFileSync(path: string, data: string | Uint8Array): void;
  export function existsSync(path: string): boolean;
  export function mkdirSync(path: string, options: { recursive: boolean }): void;
  export function readdirSync(path: string): string[];
}
declare module "node:module" {
  export function createRequire(path: string): (id: string) => unknown;
}
declare module "node:crypto" {
  export function createHash(algorithm: "sha256"): { update(text: string): { digest(encoding: "hex"): string } };
}
declare module "node:zlib" {
  export function gzipSync(data: Uint8Array, options: { level: number }): Uint8Array;
}
declare module "node:url" {
  export function pathToFileURL(path: string): URL;
}
declare const process: {
  argv: string[];
  exitCode?: number;
  pid: number;
  cpuUsage(previous?: { user: number; system: number }): { user: number; system: number };
};
