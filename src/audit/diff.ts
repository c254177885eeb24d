import { changed, type ModifiedProperty } from "./model";

/** The properties that differ between two versions of a record, as audit modifiedProperties. */
export function modifiedProperties<T extends object>(
  before: Partial<T>,
  after: T,
  fields: readonly (keyof T & string)[],
): ModifiedProperty[] {
  return fields
    .filter((field) => JSON.stringify(before[field] ?? null) !== JSON.stringify(after[field] ?? null))
    .map((field) => changed(capitalise(field), before[field] ?? null, after[field] ?? null));
}

// Entra's audit log names properties in PascalCase ("UsageLocation", "DisplayName").
function capitalise(field: string): string {
  return field.charAt(0).toUpperCase() + field.slice(1);
}
