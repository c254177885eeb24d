import { LicenseProcessor } from "../../src/licensing/processor";
import { RANGE_SIZE } from "../../src/licensing/stores/work.store";
import { GroupLicensingApi, SKU, type AssignmentState } from "../support/group-licensing-api";
import { TestGateway } from "../support/harness";
import { createTestDatabase } from "../support/database";
import { silentLog } from "../support/temp";

const REPROCESS_GROUP = "mutation($id: ID!) { reprocessGroupLicenses(groupId: $id) { id } }";

// Hundreds of members and a gateway or two per test: more than jest's default 5 s under load.
jest.setTimeout(30_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits, without settling, until the group's run is ProcessingComplete. */
async function processedInBackground(api: GroupLicensingApi, groupId: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await api.readGroup(groupId)).licenseProcessingState !== "ProcessingComplete") {
    if (Date.now() > deadline) throw new Error(`group ${groupId} still not processed after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** How the group left its members: for each, the states it gave them. */
function fromGroup(states: Map<string, AssignmentState[]>, groupId: string): AssignmentState[][] {
  return [...states.values()].map((list) => list.filter((state) => state.assignedByGroup === groupId));
}

/** Runs `use` on a gateway started for it, and stops the gateway however `use` ends. */
async function withGateway<T>(env: Record<string, string>, use: (gateway: TestGateway, api: GroupLicensingApi) => Promise<T>): Promise<T> {
  const gateway = await TestGateway.start(env);
  try {
    return await use(gateway, new GroupLicensingApi(gateway));
  } finally {
    await gateway.stop();
  }
}

const everyoneActive = (states: Map<string, AssignmentState[]>, groupId: string) => {
  for (const given of fromGroup(states, groupId)) expect(given).toEqual([expect.objectContaining({ skuId: SKU.E3, state: "Active", error: "None" })]);
};

async function finishCounts(api: GroupLicensingApi, groupId: string) {
  const finishes = await api.audits(groupId, "Finish applying group based license to users");
  return finishes.map((entry) => Object.fromEntries(entry.targetResources[0].modifiedProperties.map((p) => [p.displayName, p.newValue])));
}

describe("the licensing queue", () => {
  it("licenses a group of 300 members in the background, charging exactly one seat each", () =>
    withGateway({}, async (_gateway, api) => {
      const group = await api.group([]);
      const members = await api.bulkMembers(group, 300);
      // Exactly enough seats: a member charged twice would leave another in CountViolation.
      await api.leaveFreeSeats(SKU.E3, 300);
      const { enabled } = await api.seats(SKU.E3);
      await api.assign(group, [{ skuId: SKU.E3 }]);

      await processedInBackground(api, group);
      const states = await api.memberStates(group);
      expect(states.size).toBe(members.length);
      everyoneActive(states, group);
      expect(await api.seats(SKU.E3)).toEqual({ enabled, consumed: enabled });
      expect(await finishCounts(api, group)).toEqual([{ SucceededCount: "300", FailedCount: "0" }]);
    }));

  it("picks the work up where it stopped when the gateway restarts mid-way, licensing every member exactly once", async () => {
    const database = await createTestDatabase();
    const env = { DATABASE_URL: database.url };
    try {
      const { group, enabled } = await withGateway(env, async (first, api) => {
        await first.app.services.licensing.processor.stop();
        await first.settle(); // the demo tenant's own queue, so the batch below is this group's
        const group = await api.group([]);
        await api.bulkMembers(group, 300);
        await api.leaveFreeSeats(SKU.E3, 300);
        await first.settle(); // anyone the new seats sent back to the queue
        const { enabled } = await api.seats(SKU.E3);
        await api.assign(group, [{ skuId: SKU.E3 }]);
        // One small batch, then the gateway goes away with the rest of the queue in the database.
        const { db, audit } = first.app.services;
        const smallBatches = new LicenseProcessor(db, audit, silentLog, { batchSize: 40, idleMs: 200 });
        expect(await smallBatches.runBatch()).toBe(40);
        expect((await api.readGroup(group)).licenseProcessingState).toBe("ProcessingInProgress");
        expect(fromGroup(await api.memberStates(group), group).filter((given) => given.length > 0)).toHaveLength(40);
        return { group, enabled };
      });

      await withGateway(env, async (second, api) => {
        await second.settle();
        expect((await api.readGroup(group)).licenseProcessingState).toBe("ProcessingComplete");
        const states = await api.memberStates(group);
        expect(states.size).toBe(300);
        everyoneActive(states, group);
        expect(await api.seats(SKU.E3)).toEqual({ enabled, consumed: enabled });
        expect(await api.audits(group, "Start applying group based license to users")).toHaveLength(1);
        expect(await finishCounts(api, group)).toEqual([{ SucceededCount: "300", FailedCount: "0" }]);
      });
    } finally {
      await database.drop();
    }
  });

  it("changes no state, date or seat when a settled group is reprocessed", () =>
    withGateway({}, async (gateway, api) => {
      await gateway.app.services.licensing.processor.stop();
      await api.leaveFreeSeats(SKU.E3, 2);
      const members = await api.users(3);
      const group = await api.group(members, [{ skuId: SKU.E3 }, { skuId: SKU.EMS }]);
      await gateway.settle();
      const states = await api.memberStates(group);
      expect([...states.values()].flat().filter((state) => state.error === "CountViolation")).toHaveLength(1);
      const seats = await api.consumed(SKU.E3, SKU.EMS);
      const licenseChanges = () => Promise.all(members.map(async (member) => (await api.audits(member.id, "Change user license")).length));
      const changesBefore = await licenseChanges();

      await sleep(10); // a rewritten state would carry a later lastUpdatedDateTime
      await gateway.ok("admin", REPROCESS_GROUP, { id: group });
      await gateway.settle();
      expect(await api.memberStates(group)).toEqual(states);
      expect(await api.consumed(SKU.E3, SKU.EMS)).toEqual(seats);
      expect(await licenseChanges()).toEqual(changesBefore);
      expect((await api.readGroup(group)).licenseProcessingState).toBe("ProcessingComplete");
    }));

  it("takes members who join during a run into that same run: one start, one finish", () =>
    withGateway({}, async (gateway, api) => {
      await gateway.app.services.licensing.processor.stop();
      const group = await api.group([]);
      await api.bulkMembers(group, 30);
      await api.leaveFreeSeats(SKU.E3, 31);
      await api.assign(group, [{ skuId: SKU.E3 }]);
      const { db, audit } = gateway.app.services;
      expect(await new LicenseProcessor(db, audit, silentLog, { batchSize: 10, idleMs: 200 }).runBatch()).toBe(10);
      await api.addMember(group, await api.user());
      expect((await api.readGroup(group)).licenseProcessingState).toBe("ProcessingInProgress");
      await gateway.settle();
      expect(await api.audits(group, "Start applying group based license to users")).toHaveLength(1);
      expect(await finishCounts(api, group)).toEqual([{ SucceededCount: "31", FailedCount: "0" }]);
    }));

  it("queues a whole group as ranges of members, follows members who leave or join before their range is reached, and counts each once", () =>
    withGateway({}, async (gateway, api) => {
      await gateway.app.services.licensing.processor.stop();
      const group = await api.group([]);
      const ids = await api.bulkMembers(group, 1_202);
      await api.leaveFreeSeats(SKU.E3, 1_202);
      await gateway.settle(); // anyone the new seats sent back to the queue
      const { db, audit } = gateway.app.services;
      const { processor } = gateway.app.services.licensing;
      const rows = async () => {
        const [row] = await db.manager.query("SELECT (SELECT COUNT(*) FROM license_work) AS own, (SELECT COUNT(*) FROM license_work_ranges) AS ranges");
        return { own: Number(row.own), ranges: Number(row.ranges) };
      };

      await api.assign(group, [{ skuId: SKU.E3 }]);
      // Nobody holds anything from the group yet: ranges of at most RANGE_SIZE members, no row per member.
      expect(await rows()).toEqual({ own: 0, ranges: Math.ceil(1_202 / RANGE_SIZE) });
      expect(await processor.pending()).toBe(1_202);

      // A batch smaller than a range takes the start of it (in key order) and leaves the rest queued.
      expect(await new LicenseProcessor(db, audit, silentLog, { batchSize: 100, idleMs: 200 }).runBatch()).toBe(100);
      expect(await processor.pending()).toBe(1_102);
      expect((await api.readGroup(group)).licenseProcessingState).toBe("ProcessingInProgress");

      // Before their range is reached, one member leaves, one is queued on their own too (a
      // changed usage location), and a new user joins.
      const [stayer, leaver] = [...ids].sort().slice(-2).map((id) => ({ id, userPrincipalName: "" }));
      await api.removeMember(group, leaver!);
      await gateway.ok("admin", 'mutation($id: ID!) { updateUser(id: $id, input: { usageLocation: "FR" }) { id } }', { id: stayer!.id });
      expect((await rows()).own).toBe(2); // the leaver's removal and the stayer's change
      const joiner = await api.user();
      await api.addMember(group, joiner);
      await gateway.settle();

      const states = await api.memberStates(group);
      expect(states.size).toBe(1_202);
      everyoneActive(states, group);
      expect(await api.states(leaver!)).toEqual([]);
      expect(await rows()).toEqual({ own: 0, ranges: 0 });
      expect(await processor.pending()).toBe(0);
      expect(await api.audits(group, "Start applying group based license to users")).toHaveLength(1);
      // Everyone the run processed, once each: the stayer (queued twice) once, the leaver (left
      // with nothing from the group) too, as before ranges.
      expect(await finishCounts(api, group)).toEqual([{ SucceededCount: "1203", FailedCount: "0" }]);
      for (const member of [stayer!, joiner]) expect(await api.audits(member.id, "Change user license")).toHaveLength(1);
      expect(await api.audits(leaver!.id, "Change user license")).toHaveLength(0);
    }));

  it("queues a licensed group again without a row per member, and still takes licenses from members who leave, or whose group is deleted, before their range", () =>
    withGateway({}, async (gateway, api) => {
      const { db } = gateway.app.services;
      const rows = async (groupId: string) => {
        const [row] = await db.manager.query(
          "SELECT (SELECT COUNT(*) FROM license_work WHERE group_id = $1) AS own, (SELECT COUNT(*) FROM license_work_ranges WHERE group_id = $1) AS ranges".replace(/\$1/g, "'" + groupId + "'"),
        );
        return { own: Number(row.own), ranges: Number(row.ranges) };
      };
      await api.leaveFreeSeats(SKU.E3, 700);
      const { consumed } = await api.seats(SKU.E3);
      const big = await api.group([]);
      const ids = await api.bulkMembers(big, 600);
      const small = await api.group([]);
      const smallIds = await api.bulkMembers(small, 3);
      await api.assign(big, [{ skuId: SKU.E3 }]);
      await api.assign(small, [{ skuId: SKU.E3 }]);
      await gateway.settle();
      expect((await api.seats(SKU.E3)).consumed).toBe(consumed + 603);
      await gateway.app.services.licensing.processor.stop();

      // Every member holds E3 from the group: reprocessing queues its ranges, not 600 rows.
      expect((await gateway.ok("admin", REPROCESS_GROUP, { id: big })).reprocessGroupLicenses.id).toBe(big);
      expect(await rows(big)).toEqual({ own: 0, ranges: Math.ceil(600 / RANGE_SIZE) });

      // The group stops giving E3; before the run reaches anyone, a member leaves. The group
      // gives nothing any more, but the leaver still holds its license: they are queued.
      await api.assign(big, [], [SKU.E3]);
      expect(await rows(big)).toEqual({ own: 0, ranges: Math.ceil(600 / RANGE_SIZE) });
      const leaver = { id: [...ids].sort()[0]!, userPrincipalName: "" };
      await api.removeMember(big, leaver);
      expect(await rows(big)).toEqual({ own: 1, ranges: Math.ceil(600 / RANGE_SIZE) });
      // A member who never held anything from an unlicensed group leaves: nothing to queue.
      const loner = await api.user();
      const unlicensed = await api.group([loner]);
      await api.removeMember(unlicensed, loner);
      expect(await rows(unlicensed)).toEqual({ own: 0, ranges: 0 });

      // The small group stops giving E3 and is deleted before its run: with its members gone its
      // range reaches nobody, so its holders are queued on their own.
      await api.assign(small, [], [SKU.E3]);
      await gateway.ok("admin", "mutation($id: ID!) { deleteGroup(id: $id) }", { id: small });
      expect((await rows(small)).own).toBe(3);

      await gateway.settle();
      expect(await api.states(leaver)).toEqual([]);
      for (const id of [...ids, ...smallIds]) expect(await api.states({ id, userPrincipalName: "" })).toEqual([]);
      expect((await api.seats(SKU.E3)).consumed).toBe(consumed);
      expect(await rows(big)).toEqual({ own: 0, ranges: 0 });
      expect(await rows(small)).toEqual({ own: 0, ranges: 0 });
    }));

  it("takes users' own work and group ranges oldest first, whichever table holds it", () =>
    withGateway({}, async (gateway, api) => {
      const { db, audit } = gateway.app.services;
      const holder = await api.user();
      await api.group([holder], [{ skuId: SKU.E3 }]);
      await api.leaveFreeSeats(SKU.E3, 200);
      await gateway.settle();
      await gateway.app.services.licensing.processor.stop();
      const batch = () => new LicenseProcessor(db, audit, silentLog, { batchSize: 100, idleMs: 200 }).runBatch();
      const relocate = (usageLocation: string) =>
        gateway.ok("admin", "mutation($id: ID!, $at: String!) { updateUser(id: $id, input: { usageLocation: $at }) { id } }", { id: holder.id, at: usageLocation });
      const licensedGroup = async () => {
        const group = await api.group([]);
        await api.bulkMembers(group, 40);
        await api.assign(group, [{ skuId: SKU.E3 }]);
      };

      // The holder's own row is older than the range: it goes first, alone; then the range.
      await relocate("FR");
      await sleep(5);
      await licensedGroup();
      expect(await batch()).toBe(1);
      expect(await batch()).toBe(40);

      // The range is older: its 40 members go first, then the holder.
      await licensedGroup();
      await sleep(5);
      await relocate("DE");
      expect(await batch()).toBe(40);
      expect(await batch()).toBe(1);
      expect(await batch()).toBe(0);
    }));

  it("writes only the rows a batch changes: a member given one more license keeps their other rows as they were", () =>
    withGateway({}, async (gateway, api) => {
      const { db } = gateway.app.services;
      const member = await api.user();
      await api.leaveFreeSeats(SKU.E3, 2);
      const office = await api.group([member], [{ skuId: SKU.E3 }]);
      await gateway.settle();
      // Where the row is stored: a row deleted and written again gets another place, even unchanged.
      const place = async () => {
        const [row] = await db.manager.query(
          `SELECT ${db.kind === "postgres" ? "ctid::text" : "rowid"} AS place FROM license_assignments WHERE user_id = '${member.id}' AND source = '${office}'`,
        );
        return String(row.place);
      };
      const before = await place();
      // A row written after it, so that a row written again could not take its place back.
      const other = await api.user();
      await api.group([other], [{ skuId: SKU.E3 }]);
      await api.leaveFreeSeats(SKU.EMS, 1);

      const mobility = await api.group([member], [{ skuId: SKU.EMS }]);
      await gateway.settle();

      expect(await api.summary(member, { [office]: "office", [mobility]: "mobility" })).toEqual(["mobility EMS Active", "office ENTERPRISEPACK Active"]);
      expect(await place()).toBe(before);
    }));

  it("refuses to reprocess a group that assigns no licenses", () =>
    withGateway({}, async (gateway, api) => {
      const group = await api.group([await api.user()]);
      const response = await gateway.gql("admin", REPROCESS_GROUP, { id: group });
      expect(response.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
      expect((await api.readGroup(group)).licenseProcessingState).toBeNull();
    }));
});
