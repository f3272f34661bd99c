/**
 * Prints what the component costs under jco in Node, as JSON (node/load.ts):
 *
 *   node figures.mjs --modules DIR --component FILE
 *
 * `host-js/component.sh figures` builds and runs it.
 */
import { loadComponent } from "./load.js";

const argv = process.argv.slice(2);
const flag = (name: string): string => {
  const value = argv[argv.indexOf(name) + 1];
  if (!argv.includes(name) || value === undefined) throw new Error(`${name} is required`);
  return value;
};
const { figures } = loadComponent(flag("--modules"), flag("--component"));
console.log(JSON.stringify(figures, null, 2));
