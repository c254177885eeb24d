import type { ValueTransformer } from "typeorm";

/**
 * Timestamps are stored as ISO-8601 UTC strings: the same column type on SQLite and PostgreSQL,
 * exact to the millisecond, and ordered correctly by a plain string comparison.
 */
export const isoDate: ValueTransformer = {
  to: (value: Date | null | undefined) => (value instanceof Date ? value.toISOString() : value),
  from: (value: string | null) => (value == null ? value : new Date(value)),
};

/** Small string arrays (groupTypes, JSON details) kept in one text column. */
export const jsonText: ValueTransformer = {
  to: (value: unknown) => (value === undefined ? value : JSON.stringify(value)),
  from: (value: string | null) => (value == null ? value : JSON.parse(value)),
};
