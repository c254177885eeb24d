import { rememberedRead } from "../../src/db/sqlite-direct";
import { UserStore } from "../../src/directory/stores/user.store";
import { SubscriptionStore } from "../../src/licensing/stores/subscription.store";
import { openedTestDatabase } from "../support/database";

describe("answers remembered until the next write (rememberedRead)", () => {
  const opened = openedTestDatabase();
  let reads = 0;
  const read = async () => ++reads;

  /** Any commit on the writer's connection. */
  async function write(skuId: string): Promise<void> {
    await opened.db.transaction((tx) =>
      new SubscriptionStore(tx).insert({
        skuId,
        skuPartNumber: skuId,
        appliesTo: "User",
        capabilityStatus: "Enabled",
        enabledUnits: 1,
        suspendedUnits: 0,
        warningUnits: 0,
        lockedOutUnits: 0,
        consumedUnits: 0,
        createdDateTime: new Date(),
      }),
    );
  }

  it("on SQLite's reader, reads once until another connection commits; on PostgreSQL, every time", async () => {
    reads = 0;
    const first = await rememberedRead(opened.db.manager, "test", "a", read);
    const again = await rememberedRead(opened.db.manager, "test", "a", read);
    if (opened.kind === "sqlite") {
      expect([first, again]).toEqual([1, 1]);
      // Another key, or the same key of another kind, is read for itself.
      expect(await rememberedRead(opened.db.manager, "test", "b", read)).toBe(2);
      expect(await rememberedRead(opened.db.manager, "other", "a", read)).toBe(3);
      await write("remembered-read-1");
      expect(await rememberedRead(opened.db.manager, "test", "a", read)).toBe(4);
      expect(await rememberedRead(opened.db.manager, "test", "a", read)).toBe(4);
    } else {
      expect([first, again]).toEqual([1, 2]);
    }
  });

  it("inside a transaction, reads every time", async () => {
    reads = 0;
    const answers = await opened.db.transaction(async (tx) => [await rememberedRead(tx, "test", "t", read), await rememberedRead(tx, "test", "t", read)]);
    expect(answers).toEqual([1, 2]);
  });

  it("answers a sign-in with a copy of the user, and reads again after the user changes", async () => {
    const id = "0f9a4c1e-8d2b-4a7e-9c3f-5b6d7e8f9a0b";
    await opened.db.transaction((tx) =>
      new UserStore(tx).insert({
        id,
        userPrincipalName: "remembered@contoso.com",
        upnKey: "remembered@contoso.com",
        displayName: "Remembered",
        mail: null,
        department: null,
        jobTitle: null,
        accountEnabled: true,
        usageLocation: null,
        createdDateTime: new Date("2026-01-01T00:00:00.000Z"),
      }),
    );
    /** The sign-in's answer, and how many statements it ran. */
    const signIn = async () => {
      const before = opened.db.queryLog.count;
      const found = await new UserStore(opened.db.manager).findForSignIn("id", id);
      return { found, statements: opened.db.queryLog.count - before };
    };
    const first = await signIn();
    const second = await signIn();
    expect(first.found).toEqual({ user: expect.objectContaining({ id, accountEnabled: true }), roleTemplateIds: [] });
    expect(second.found).toEqual(first.found);
    expect([first.statements, second.statements]).toEqual(opened.kind === "sqlite" ? [1, 0] : [1, 1]);
    // Each caller gets its own copy: changing one changes no later answer.
    first.found!.user.accountEnabled = false;
    first.found!.roleTemplateIds.push("62e90394-69f5-4237-9190-012177145e10");
    expect((await signIn()).found).toEqual({ user: expect.objectContaining({ id, accountEnabled: true }), roleTemplateIds: [] });

    await opened.db.transaction((tx) => new UserStore(tx).update({ ...second.found!.user, accountEnabled: false }));
    const after = await signIn();
    expect(after.statements).toBe(1);
    expect(after.found!.user.accountEnabled).toBe(false);
  });
});
