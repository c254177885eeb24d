import { pageStart, parseLsn } from "../../src/db/replicas";

/** How a replica's replay position is compared with the primary's insert position (db/replicas.ts). */
describe("WAL positions", () => {
  const SEGMENT = 16n * 1024n * 1024n;

  it("order as PostgreSQL orders them, across the high word", () => {
    expect(parseLsn("0/AF000028")).toBe(0xaf000028n);
    expect(parseLsn("1/0") > parseLsn("0/FFFFFFFF")).toBe(true);
    expect(parseLsn("16/B374D848")).toBe((0x16n << 32n) + 0xb374d848n);
  });

  it("take an idle primary's insert position just past a page header as the page's start, where a caught-up replica's replay stops", () => {
    // A segment's first page has the long header (40 bytes), every other page the short one (24).
    expect(pageStart(parseLsn("0/AF000028"), SEGMENT)).toBe(parseLsn("0/AF000000"));
    expect(pageStart(parseLsn("0/AF002018"), SEGMENT)).toBe(parseLsn("0/AF002000"));
  });

  it("leave a position inside a page's records alone, however close to its header", () => {
    expect(pageStart(parseLsn("0/AF002028"), SEGMENT)).toBe(parseLsn("0/AF002028"));
    expect(pageStart(parseLsn("0/AF000030"), SEGMENT)).toBe(parseLsn("0/AF000030"));
    expect(pageStart(parseLsn("0/AF001D40"), SEGMENT)).toBe(parseLsn("0/AF001D40"));
  });
});
