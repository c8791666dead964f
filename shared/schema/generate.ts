/** `npm run schema`: writes the JSON Schema files from the zod contract. */
import { writeFileSync } from 'node:fs';
import { renderSchema, SCHEMA_FILES } from './json-schema.ts';

for (const name of Object.keys(SCHEMA_FILES) as (keyof typeof SCHEMA_FILES)[]) {
  writeFileSync(new URL(name, import.meta.url), renderSchema(name));
  process.stdout.write(`wrote shared/schema/${name}\n`);
}
