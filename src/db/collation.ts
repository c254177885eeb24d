import type { DataSource, EntityManager } from "typeorm";
import { isPostgres } from "./dialect";
import { RawSql } from "./sql";

/**
 * Collations that order text by code point (UTF-8's byte order): PostgreSQL's "C" and "POSIX",
 * glibc's and PostgreSQL 17's builtin "C.UTF-8", and the SQL standard's ucs_basic.
 */
const CODE_POINT_ORDER = new Set(["c", "posix", "c.utf-8", "c.utf8", "ucs_basic"]);

/** What namesInCodePointOrder reads of the column's collation and the database's. */
export interface CollationRow {
  collname: string;
  collprovider: string;
  collcollate: string | null;
  colllocale: string | null;
  datcollate: string;
  datlocprovider: string | null;
  datlocale: string | null;
  /** The database's encoding (pg_encoding_to_char). */
  encoding: string;
}

const known = new WeakMap<DataSource, Promise<boolean>>();

/**
 * Whether `users.display_name` sorts by code point, so that the names starting with a given
 * string are one range of its (display_name, id) index: always on SQLite (BINARY), and on
 * PostgreSQL when the column's collation (the database's, unless the column names one) is a C
 * collation of libc or the builtin provider. A linguistic collation (en_US, ICU) orders "a" and
 * "A" together, accents after, and spaces not at all: no set of ranges is known to hold a
 * prefix's names there. Asked once per database.
 */
export function namesInCodePointOrder(manager: EntityManager): Promise<boolean> {
  if (!isPostgres(manager)) return Promise.resolve(true);
  let found = known.get(manager.connection);
  if (!found) {
    // to_jsonb reads the provider and locale columns where the server has them (PostgreSQL 15, 17).
    found = new RawSql(manager)
      .rows<CollationRow>(
        `SELECT c.collname, c.collprovider, c.collcollate, to_jsonb(c) ->> 'colllocale' AS colllocale, d.datcollate,
                to_jsonb(d) ->> 'datlocprovider' AS datlocprovider, to_jsonb(d) ->> 'datlocale' AS datlocale,
                pg_encoding_to_char(d.encoding) AS encoding
           FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation JOIN pg_database d ON d.datname = current_database()
          WHERE a.attrelid = 'users'::regclass AND a.attname = 'display_name'`,
        [],
      )
      .then(([row]) => row !== undefined && inCodePointOrder(row))
      .catch(() => {
        // Asked again next time: a failed read says nothing of the collation.
        known.delete(manager.connection);
        return false;
      });
    known.set(manager.connection, found);
  }
  return found;
}

/**
 * Whether a column with this collation (in this database) sorts by code point. Only in a UTF-8
 * database: the ranges of a prefix with i or k name characters (İ, the Kelvin sign) that a
 * single-byte encoding cannot hold.
 */
export function inCodePointOrder(row: CollationRow): boolean {
  if (row.encoding.toUpperCase() !== "UTF8") return false;
  if (row.collname !== "default") {
    if (CODE_POINT_ORDER.has(row.collname.toLowerCase())) return true;
    return row.collprovider !== "i" && CODE_POINT_ORDER.has((row.collcollate ?? row.colllocale ?? "").toLowerCase());
  }
  const provider = row.datlocprovider ?? "c";
  if (provider === "c") return CODE_POINT_ORDER.has(row.datcollate.toLowerCase());
  if (provider === "b") return CODE_POINT_ORDER.has((row.datlocale ?? "").toLowerCase());
  return false;
}
