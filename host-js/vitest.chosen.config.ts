/** The main vitest config, running only test/chosen.scenarios.ts (host-js/workerd.sh).
 * Spread, not `mergeConfig`: that would add to the main config's `include`, not replace it. */
import base from "./vitest.config.js";

export default { ...base, test: { ...base.test, include: ["test/chosen.scenarios.ts"] } };
