import fs from "node:fs";
import { Database } from "../../src/db/database";
import { UserEntity } from "../../src/directory/entities";
import type { UserRecord } from "../../src/directory/model";
import { sqliteOnly } from "../support/database";
import { silentLog, tempDatabaseFile } from "../support/temp";

function user(id: string): UserRecord {
  return {
    id,
    userPrincipalName: `${id}@contoso.com`,
    upnKey: `${id}@contoso.com`,
    displayName: id,
    mail: null,
    department: null,
    jobTitle: null,
    accountEnabled: true,
    usageLocation: null,
    createdDateTime: new Date("2026-01-02T03:04:05.678Z"),
  };
}

sqliteOnly("opens SQLite itself and tests its separate reader and writer connections")("the embedded database", () => {
  let db: Database;
  let file: string;
  let cleanup: () => void;

  beforeEach(async () => {
    const temp = tempDatabaseFile();
    file = temp.file;
    cleanup = temp.cleanup;
    db = await Database.open({ kind: "sqlite", file: temp.file }, silentLog);
  });

  afterEach(async () => {
    await db.close();
    cleanup();
  });

  it("applies the migrations to a new file and round-trips a record exactly", async () => {
    await db.transaction((tx) => tx.insert(UserEntity, user("ada")));
    const stored = await db.manager.findOneByOrFail(UserEntity, { id: "ada" });
    expect(stored).toEqual(user("ada"));
  });

  it("keeps uncommitted rows invisible to readers and drops them on rollback", async () => {
    let seenDuringTransaction: UserRecord | null = null;
    const failing = db.transaction(async (tx) => {
      await tx.insert(UserEntity, user("grace"));
      seenDuringTransaction = await db.manager.findOneBy(UserEntity, { id: "grace" });
      throw new Error("refused");
    });
    await expect(failing).rejects.toThrow("refused");
    expect(seenDuringTransaction).toBeNull();
    expect(await db.manager.findOneBy(UserEntity, { id: "grace" })).toBeNull();
  });

  it("runs concurrent transactions one after another instead of failing", async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `u${i}`);
    await Promise.all(ids.map((id) => db.transaction((tx) => tx.insert(UserEntity, user(id)))));
    expect(await db.manager.count(UserEntity)).toBe(20);
  });

  it("copies committed writes into the database file in the background, with the log far below its own checkpoint size", async () => {
    // About 2 MiB of rows: well under the writer's own checkpoint at 64 MiB of log.
    const ids = Array.from({ length: 4_000 }, (_, i) => `user-${String(i).padStart(5, "0")}-${"x".repeat(400)}`.slice(0, 36));
    await db.transaction(async (tx) => {
      for (let i = 0; i < ids.length; i += 200) await tx.insert(UserEntity, ids.slice(i, i + 200).map((id) => ({ ...user(id), displayName: "y".repeat(400) })));
    });
    const size = () => fs.statSync(file).size;
    const before = size();
    const deadline = Date.now() + 5_000;
    while (size() < before + 1_000_000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(size()).toBeGreaterThan(before + 1_000_000);
    expect(await db.manager.count(UserEntity)).toBe(ids.length);
  });

  it("gives the writer and the reader a page cache of SQLITE_CACHE_MIB (default 4 MiB), not better-sqlite3's 16 MiB", async () => {
    // The writer's, in a transaction; the reader's, outside one.
    const cacheSize = async () => {
      const read = async (manager: Database["manager"]) => ((await manager.query("PRAGMA cache_size")) as { cache_size: number }[])[0]!.cache_size;
      return [await db.transaction((tx) => read(tx)), await read(db.manager)];
    };
    expect(await cacheSize()).toEqual([-4096, -4096]);
    await db.close();
    db = await Database.open({ kind: "sqlite", file, cacheMib: 64 }, silentLog);
    expect(await cacheSize()).toEqual([-65536, -65536]);
  });
});
