// Writes config/release.schema.json from the zod schema, so editors can validate release files.
// Run: npx tsx scripts/gen-config-schema.ts  (a unit test fails when the committed file is stale).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { releaseConfigJsonSchema } from '../domain/config.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../config/release.schema.json', import.meta.url));

export function renderReleaseSchema(): string {
  return `${JSON.stringify(releaseConfigJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, renderReleaseSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
