import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  type GraphQLSchema,
} from "graphql";
import { emitSchemaDefinitionFile } from "type-graphql";
import { helpgateSchema } from "../../src/schema";

/** Every type, field, argument and enum value of the schema that has no description, by its coordinate. */
function undocumented(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const lacks = (description: string | null | undefined) => !description?.trim();
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    if (lacks(type.description)) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (lacks(field.description)) missing.push(`${type.name}.${field.name}`);
        for (const arg of field.args) if (lacks(arg.description)) missing.push(`${type.name}.${field.name}(${arg.name}:)`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) if (lacks(field.description)) missing.push(`${type.name}.${field.name}`);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) if (lacks(value.description)) missing.push(`${type.name}.${value.name}`);
    }
  }
  return missing;
}

describe("schema.graphql", () => {
  it("is the schema the code defines (run `npm run schema` after changing the API)", async () => {
    const fresh = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "helpgate-schema-")), "schema.graphql");
    await emitSchemaDefinitionFile(fresh, await helpgateSchema());
    const committed = fs.readFileSync(path.resolve(__dirname, "..", "..", "schema.graphql"), "utf8");
    expect(committed).toBe(fs.readFileSync(fresh, "utf8"));
  });

  it("describes every type, field, argument and enum value, for the explorer and generated clients", async () => {
    expect(undocumented(await helpgateSchema())).toEqual([]);
  });
});
