/**
 * What the directory tells other modules about a write, inside that write's transaction, so that
 * their reaction (queueing license work, refusing a delete) commits or rolls back with it.
 */
export type DirectoryEvent =
  | { kind: "membersChanged"; groupId: string; userIds: string[] }
  | { kind: "userChanged"; userId: string; fields: string[] }
  | { kind: "userDeleting"; userId: string }
  | { kind: "groupDeleting"; groupId: string }
  | { kind: "organizationChanged"; fields: string[] };
