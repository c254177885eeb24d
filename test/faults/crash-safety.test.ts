import {
  ASSIGN_GROUP_LICENSE,
  E3,
  expectProcessedExactlyOnce,
  START_ACTIVITY,
  ServerProcess,
  ensureBuilt,
  graphqlOk,
  groupLicensingFacts,
  killAllServers,
  processedMembers,
  seedLargeGroup,
  sleep,
  tempDir,
  tokenFor,
  waitFor,
} from "../support/process";

/**
 * The real gateway, killed with SIGKILL (no shutdown code runs) while it licenses a large group
 * in the background, then started again on the same SQLite file, more than once. Each batch is
 * one transaction, so a kill loses at most the batch under way, which is simply done again.
 */

const MEMBERS = 3000;
/** How long after a batch commits each kill comes: early in the next batch, later, later still. */
const KILL_DELAYS_MS = [0, 60, 150];

jest.setTimeout(240_000);

describe("a crash during group-based licensing", () => {
  const temp = tempDir();

  beforeAll(() => ensureBuilt(), 200_000);
  afterEach(() => killAllServers());
  afterAll(async () => {
    await killAllServers();
    temp.cleanup();
  });

  it(`licenses every member of a ${MEMBERS}-member group exactly once, with exact seat counts, after SIGKILLs mid-way`, async () => {
    const { groupId, enabledUnits } = await seedLargeGroup(temp.file, MEMBERS);
    let server = await ServerProcess.start(temp.file);
    const token = await tokenFor(temp.file, "admin@contoso.com");
    const assigned = await graphqlOk(server.url, token, ASSIGN_GROUP_LICENSE, { g: groupId, add: [{ skuId: E3 }] });
    expect(assigned.assignGroupLicense.licenseProcessingState.state).toBe("QueuedForProcessing");

    const kills: { processedAtKill: number; signal: string | null }[] = [];
    let lastSeen = 0;
    for (const delay of KILL_DELAYS_MS) {
      // A batch has committed since the last start: the next one is under way. Kill it.
      const seen = await waitFor("a batch to commit", () => {
        const processed = processedMembers(temp.file, groupId);
        return processed > lastSeen ? processed : 0;
      }, 60_000, 10);
      if (seen >= MEMBERS) break; // everything was done before a kill could land
      if (delay > 0) await sleep(delay);
      const exit = await server.kill();
      const facts = groupLicensingFacts(temp.file, groupId);
      kills.push({ processedAtKill: processedMembers(temp.file, groupId), signal: exit.signal });
      lastSeen = processedMembers(temp.file, groupId);
      if (lastSeen >= MEMBERS) break;

      // What the crash left is consistent: whole batches, counted, seats matching holders,
      // one start entry and no finish yet.
      expect(exit.signal).toBe("SIGKILL");
      expect(facts.strayRows).toEqual([]);
      expect(facts.membersActiveOnce).toBe(lastSeen);
      expect(facts.seatMismatches).toEqual([]);
      expect(facts.processing).toEqual({ state: "ProcessingInProgress", succeeded: lastSeen, failed: 0 });
      expect(facts.runs.map((run) => run.activity)).toEqual([START_ACTIVITY]);
      expect(facts.queuedForGroup).toBe(MEMBERS - lastSeen);

      server = await ServerProcess.start(temp.file);
    }
    // At least one kill landed mid-way; otherwise this test proved nothing.
    expect(kills.filter((kill) => kill.signal === "SIGKILL" && kill.processedAtKill < MEMBERS).length).toBeGreaterThan(0);

    await waitFor(
      "the queue to empty and the group to complete",
      () => {
        const facts = groupLicensingFacts(temp.file, groupId);
        return facts.queued === 0 && facts.processing?.state === "ProcessingComplete";
      },
      120_000,
      100,
    );

    expectProcessedExactlyOnce(groupLicensingFacts(temp.file, groupId), MEMBERS, enabledUnits);

    // The API agrees.
    const api = await graphqlOk(
      server.url,
      token,
      `query($sku: ID, $g: ID!) {
        subscribedSku(skuId: $sku) { consumedUnits prepaidUnits { enabled } }
        group(id: $g) { licenseProcessingState { state } hasMembersWithLicenseErrors }
      }`,
      { sku: E3, g: groupId },
    );
    expect(api).toEqual({
      subscribedSku: { consumedUnits: enabledUnits, prepaidUnits: { enabled: enabledUnits } },
      group: { licenseProcessingState: { state: "ProcessingComplete" }, hasMembersWithLicenseErrors: false },
    });

    const exit = await server.stop(20_000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    console.log(`crash-safety: ${kills.length} kill(s) at ${kills.map((kill) => kill.processedAtKill).join(", ")} of ${MEMBERS} members processed`);
  });
});
