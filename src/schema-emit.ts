import "reflect-metadata";
import path from "node:path";
import { emitSchemaDefinitionFile } from "type-graphql";
import { helpgateSchema } from "./schema";

/** Writes schema.graphql, the committed contract a test keeps in step with the code. */
export const SCHEMA_FILE = path.resolve(__dirname, "..", "..", "schema.graphql");

async function main(): Promise<void> {
  await emitSchemaDefinitionFile(SCHEMA_FILE, await helpgateSchema());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
