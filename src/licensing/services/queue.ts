import type { EntityManager } from "typeorm";
import type { Initiator } from "../../audit/model";
import { DirectoryFacts } from "../../directory/services/directory-facts";
import { DIRECT } from "../model";
import { AssignmentStore } from "../stores/assignment.store";
import { RANGE_SIZE, WorkStore } from "../stores/work.store";

/** The background identity Entra names for group-based licensing work. */
export const GROUP_LICENSING_APP: Initiator = { kind: "app", displayName: "Microsoft Azure AD Group-Based Licensing", appId: null };

/** Queues users for a group's licenses and marks the group QueuedForProcessing. */
export async function queueForGroup(tx: EntityManager, groupId: string, userIds: readonly string[], now: Date): Promise<void> {
  if (userIds.length === 0) return;
  const added = await new WorkStore(tx).enqueue(groupId, userIds, now);
  await markQueued(tx, groupId, now, added);
}

/**
 * Queues everyone a group's licenses concern (its licenses were set or changed, or it is
 * reprocessed): its members as ranges of ids, taken in key order a batch at a time, and anyone
 * who holds (or is in error on) one of its licenses without being a member, with a row of their
 * own. A member who leaves before their range is reached is queued on leaving (see
 * GroupLicensingService's membersChanged), so members need no rows of their own: queueing a
 * group of 200,000 writes its ranges and reads no member or holder id. A batch that takes a
 * range takes the own rows within it too, so nobody is done twice. Returns whether there was
 * anyone to queue.
 */
export async function queueGroup(tx: EntityManager, groupId: string, now: Date): Promise<boolean> {
  const facts = new DirectoryFacts(tx);
  const runs = await facts.memberRuns(groupId, RANGE_SIZE);
  const outsiders = await new AssignmentStore(tx).userIdsWithSourceOutside(groupId, facts.memberIdQuery(groupId));
  if (runs.length + outsiders.length === 0) return false;
  const work = new WorkStore(tx);
  const replaced = await work.enqueueRanges(groupId, runs, now);
  // Counted unless already queued; less whom the replaced ranges still stood for.
  const added = await work.enqueue(groupId, outsiders, now);
  const queued = runs.reduce((sum, run) => sum + run.members, 0) + added - replaced;
  await markQueued(tx, groupId, now, queued);
  return true;
}

async function markQueued(tx: EntityManager, groupId: string, now: Date, queued: number): Promise<void> {
  const work = new WorkStore(tx);
  // Read after queuing, and locked (PostgreSQL): a batch finishing the run meanwhile either
  // commits first, and this sees ProcessingComplete, or waits and sees the users queued here.
  const current = (await work.processing([groupId], true)).get(groupId);
  // A run under way takes the new users in and keeps counting; otherwise a new run starts.
  if (current?.state !== "ProcessingInProgress") {
    await work.setState(groupId, "QueuedForProcessing", now, !current || current.state === "ProcessingComplete");
  }
  await work.addQueued(groupId, queued);
}

/** Queues a user for every licensed group they are in, or hold licenses from. */
export async function queueUser(tx: EntityManager, userId: string, now: Date): Promise<string[]> {
  const groups = await licensedGroupsOf(tx, userId);
  for (const groupId of groups) await queueForGroup(tx, groupId, [userId], now);
  return groups;
}

export async function licensedGroupsOf(tx: EntityManager, userId: string): Promise<string[]> {
  const store = new AssignmentStore(tx);
  const memberOf = (await new DirectoryFacts(tx).groupIdsOf([userId])).get(userId) ?? [];
  const licensed = await store.groupLicenses(memberOf);
  const sources = ((await store.ofUsers([userId])).get(userId) ?? []).map((row) => row.source).filter((source) => source !== DIRECT);
  return [...new Set([...licensed.keys(), ...sources])];
}
