import { type CollationRow, inCodePointOrder } from "../../src/db/collation";

// Whether users.display_name sorts by code point decides whether a short startsWith prefix on
// PostgreSQL is read as ranges of the name index (UserStore.prefixPage): only under C collations.
describe("a column's collation orders names by code point only when it is a C collation", () => {
  const database = (datcollate: string, datlocprovider: string | null = "c", datlocale: string | null = null): CollationRow => ({
    collname: "default",
    collprovider: "d",
    collcollate: null,
    colllocale: null,
    datcollate,
    datlocprovider,
    datlocale,
    encoding: "UTF8",
  });

  it.each(["C", "POSIX", "C.UTF-8", "C.utf8"])("the database's libc collation %s", (name) => {
    expect(inCodePointOrder(database(name))).toBe(true);
  });

  it("a server without the provider column (before PostgreSQL 15) is libc's", () => {
    expect(inCodePointOrder(database("C.UTF-8", null))).toBe(true);
    expect(inCodePointOrder(database("en_US.UTF-8", null))).toBe(false);
  });

  it("linguistic collations, libc's or ICU's, do not", () => {
    expect(inCodePointOrder(database("en_US.UTF-8"))).toBe(false);
    expect(inCodePointOrder(database("de_DE.utf8"))).toBe(false);
    // An ICU database keeps a libc datcollate, which its columns do not sort by.
    expect(inCodePointOrder(database("C.UTF-8", "i"))).toBe(false);
  });

  it("a database in another encoding does not, whatever its collation", () => {
    expect(inCodePointOrder({ ...database("C"), encoding: "LATIN1" })).toBe(false);
    expect(inCodePointOrder({ ...database("C"), encoding: "SQL_ASCII" })).toBe(false);
  });

  it("PostgreSQL 17's builtin provider sorts by code point under C and C.UTF-8", () => {
    expect(inCodePointOrder(database("en_US.UTF-8", "b", "C.UTF-8"))).toBe(true);
    expect(inCodePointOrder(database("en_US.UTF-8", "b", "C"))).toBe(true);
  });

  it("a collation the column names is taken over the database's", () => {
    const column = (collname: string, collprovider: string, collcollate: string | null, colllocale: string | null = null): CollationRow => ({
      ...database("en_US.UTF-8"),
      collname,
      collprovider,
      collcollate,
      colllocale,
    });
    expect(inCodePointOrder(column("C", "c", "C"))).toBe(true);
    expect(inCodePointOrder(column("ucs_basic", "c", "C"))).toBe(true);
    expect(inCodePointOrder(column("pg_c_utf8", "b", null, "C.UTF-8"))).toBe(true);
    expect(inCodePointOrder(column("en-x-icu", "i", null, "en"))).toBe(false);
    expect(inCodePointOrder(column("fr_FR", "c", "fr_FR.utf8"))).toBe(false);
  });
});
