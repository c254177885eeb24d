import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { emitSchemaDefinitionFile } from "type-graphql";
import { helpgateSchema } from "../../src/schema";

describe("schema.graphql", () => {
  it("is the schema the code defines (run `npm run schema` after changing the API)", async () => {
    const fresh = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "helpgate-schema-")), "schema.graphql");
    await emitSchemaDefinitionFile(fresh, await helpgateSchema());
    const committed = fs.readFileSync(path.resolve(__dirname, "..", "..", "schema.graphql"), "utf8");
    expect(committed).toBe(fs.readFileSync(fresh, "utf8"));
  });
});
