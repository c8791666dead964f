/**
 * Preloaded into a CLI process (`node --import ./test/helpers/loaded-packages.ts ...`): records
 * every package resolved from node_modules, by `import` or `require`, static or dynamic, and
 * writes their names, one per line, to LOADED_PACKAGES_FILE as the process exits.
 */
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const file = process.env.LOADED_PACKAGES_FILE;
if (!file) throw new Error('loaded-packages.ts: set LOADED_PACKAGES_FILE');
const seen = new Set<string>();
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    const name = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(result.url)?.[1];
    if (name) seen.add(name);
    return result;
  },
});
process.on('exit', () => writeFileSync(file, [...seen].sort().join('\n')));
