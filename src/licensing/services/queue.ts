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
 * reprocessed): its members as ranges of ids, taken in key order a batch at a time, and everyone
 * holding (or in error on) one of its licenses with a row of their own as well, since they must
 * be recomputed even if they leave the group (or it is deleted) before their range is reached. A
 * batch that takes a range takes the own rows within it too, so nobody is done twice. Returns
 * whether there was anyone to queue.
 */
export async function queueGroup(tx: EntityManager, groupId: string, now: Date): Promise<boolean> {
  const runs = await new DirectoryFacts(tx).memberRuns(groupId, RANGE_SIZE);
  const holders = await new AssignmentStore(tx).userIdsWithSource([groupId]);
  if (runs.length + holders.length === 0) return false;
  const work = new WorkStore(tx);
  const replaced = await work.enqueueRanges(groupId, runs, now);
  // The run's users: the members (a range takes their own rows along), and holders who are no
  // longer members, from their own rows (counted unless already queued); less whom the replaced
  // ranges still stood for.
  const groupsOfHolders = await new DirectoryFacts(tx).groupIdsOf(holders);
  const isMember = (userId: string) => groupsOfHolders.get(userId)?.includes(groupId) ?? false;
  await work.enqueue(groupId, holders.filter(isMember), now);
  const outsiders = await work.enqueue(groupId, holders.filter((userId) => !isMember(userId)), now);
  const queued = runs.reduce((sum, run) => sum + run.members, 0) + outsiders - replaced;
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
