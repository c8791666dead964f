/**
 * The contract as JSON Schema, for systems in other languages. The files beside this one are
 * generated from the zod schemas by `npm run schema`; a test fails when they are stale.
 */
import { z } from 'zod';
import { exportRequestSchema, outcomeSchema } from '../contract.ts';
import { discoveryOutcomeSchema, discoveryRequestSchema } from '../discovery-contract.ts';

export const SCHEMA_FILES = {
  'export-request.schema.json': () =>
    z.toJSONSchema(exportRequestSchema, { io: 'input', target: 'draft-2020-12' }),
  'outcome.schema.json': () =>
    z.toJSONSchema(outcomeSchema, { io: 'output', target: 'draft-2020-12' }),
  'discovery-request.schema.json': () =>
    z.toJSONSchema(discoveryRequestSchema, { io: 'input', target: 'draft-2020-12' }),
  'discovery-outcome.schema.json': () =>
    z.toJSONSchema(discoveryOutcomeSchema, { io: 'output', target: 'draft-2020-12' }),
} as const;

export function renderSchema(name: keyof typeof SCHEMA_FILES): string {
  const schema = {
    $id: `urn:ncp-cache-export:schema:${name.replace('.schema.json', '')}`,
    ...SCHEMA_FILES[name](),
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
