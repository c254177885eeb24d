import type { EntityManager } from "typeorm";
import type { Initiator } from "../../audit/model";
import { DirectoryFacts } from "../../directory/services/directory-facts";
import { DIRECT } from "../model";
import { AssignmentStore } from "../stores/assignment.store";
import { WorkStore } from "../stores/work.store";

/** The background identity Entra names for group-based licensing work. */
export const GROUP_LICENSING_APP: Initiator = { kind: "app", displayName: "Microsoft Azure AD Group-Based Licensing", appId: null };

/** Queues users for a group's licenses and marks the group QueuedForProcessing. */
export async function queueForGroup(tx: EntityManager, groupId: string, userIds: readonly string[], now: Date): Promise<void> {
  if (userIds.length === 0) return;
  const work = new WorkStore(tx);
  await work.enqueue(groupId, userIds, now);
  // Read after queuing, and locked (PostgreSQL): a batch finishing the run meanwhile either
  // commits first, and this sees ProcessingComplete, or waits and sees the users queued here.
  const current = (await work.processing([groupId], true)).get(groupId);
  // A run under way takes the new users in and keeps counting; otherwise a new run starts.
  if (current?.state === "ProcessingInProgress") return;
  await work.setState(groupId, "QueuedForProcessing", now, !current || current.state === "ProcessingComplete");
}

/** Everyone a group's licenses concern: its members and anyone still holding (or in error on) one of them. */
export async function usersOfGroup(tx: EntityManager, groupId: string): Promise<string[]> {
  const members = await new DirectoryFacts(tx).memberIds(groupId);
  const holders = await new AssignmentStore(tx).userIdsWithSource([groupId]);
  return [...new Set([...members, ...holders])];
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
