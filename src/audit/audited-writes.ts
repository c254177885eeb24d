import type { EntityManager } from "typeorm";
import type { Logger } from "pino";
import type { Database } from "../db/database";
import { demand, type Caller, type Permission } from "../auth/permissions";
import { HelpgateError, unauthenticated } from "../errors";
import type { AuditService } from "./audit.service";
import type { DirectoryEvent } from "../directory/events";
import type { AuditEntry, Initiator, ModifiedProperty, TargetResource } from "./model";

/** Reacts to a directory event inside the write that caused it; throwing refuses the write. */
export type EventListener = (write: Write, event: DirectoryEvent) => Promise<void>;

/** Who asks for a write, and the request it belongs to (the audit's correlation id). */
export interface WriteRequest {
  caller: Caller | null;
  requestId: string;
}

/** The audit entry a mutation will leave, success or failure. Its target is filled in as the work learns it. */
export interface Operation {
  activityDisplayName: string;
  category: AuditEntry["category"];
  operationType: AuditEntry["operationType"];
  target: Omit<TargetResource, "modifiedProperties">;
}

/** What a mutation's work sees: its transaction, its caller, and its audit entry to complete. */
export class Write {
  readonly modifiedProperties: ModifiedProperty[] = [];
  /** Further objects the entry names, after `target` (e.g. the user added to a group). */
  readonly otherTargets: TargetResource[] = [];
  readonly followUps: AuditEntry[] = [];

  constructor(
    readonly tx: EntityManager,
    readonly caller: Caller,
    readonly target: TargetResource,
    readonly requestId: string,
    private readonly listeners: readonly EventListener[] = [],
  ) {}

  /** Tells the other modules what this write changed; they act in the same transaction. */
  async publish(event: DirectoryEvent): Promise<void> {
    for (const listener of this.listeners) await listener(this, event);
  }

  demand(permission: Permission): void {
    demand(this.caller, permission);
  }

  /** Entries caused by this write (e.g. a dynamic group gaining a member), logged after its own. */
  also(entry: Omit<AuditEntry, "correlationId">): void {
    this.followUps.push({ ...entry, correlationId: this.requestId });
  }
}

/** Who the audit names as the actor: the signed-in user, or the app acting on its own (as Graph's directoryAudit does). */
export function initiatorOf(caller: Caller): Initiator {
  if (caller.kind === "app") {
    return { kind: "app", displayName: caller.displayName, appId: caller.appId, servicePrincipalId: caller.servicePrincipalId };
  }
  return { kind: "user", id: caller.id, userPrincipalName: caller.userPrincipalName, displayName: caller.displayName };
}

/**
 * Runs every directory write: one transaction, and a directoryAudit entry in that same
 * transaction. When the write is refused the transaction is rolled back and the refusal is
 * audited on its own, so nothing is half-written and nothing goes unrecorded.
 */
export class AuditedWrites {
  private readonly listeners: EventListener[] = [];

  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly log: Logger,
  ) {}

  listen(listener: EventListener): void {
    this.listeners.push(listener);
  }

  async run<T>(request: WriteRequest, operation: Operation, work: (write: Write) => Promise<T>): Promise<T> {
    const caller = request.caller;
    // With no signed-in caller there is nobody to name as the actor: refused, logged, not audited.
    if (caller === null) throw unauthenticated("Sign in first: send 'Authorization: Bearer <token>' (see `npm run token`).");
    const target: TargetResource = { ...operation.target, modifiedProperties: [] };
    let otherTargets: TargetResource[] = [];
    const entry = (result: AuditEntry["result"], resultReason: string): AuditEntry => ({
      activityDisplayName: operation.activityDisplayName,
      category: operation.category,
      operationType: operation.operationType,
      initiatedBy: initiatorOf(caller),
      targetResources: [target, ...otherTargets],
      result,
      resultReason,
      correlationId: request.requestId,
    });
    try {
      return await this.db.transaction(async (tx) => {
        const write = new Write(tx, caller, target, request.requestId, this.listeners);
        const result = await work(write);
        target.modifiedProperties = write.modifiedProperties;
        otherTargets = write.otherTargets;
        await this.audit.record(tx, entry("success", ""));
        for (const followUp of write.followUps) await this.audit.record(tx, followUp);
        return result;
      });
    } catch (error) {
      target.modifiedProperties = [];
      await this.recordRefusal(bounded(entry("failure", reasonOf(error))));
      throw error;
    }
  }

  private async recordRefusal(entry: AuditEntry): Promise<void> {
    try {
      await this.db.transaction((tx) => this.audit.record(tx, entry));
    } catch (error) {
      // The refusal itself still reaches the caller; losing its audit entry must not hide it.
      this.log.error({ err: error, activity: entry.activityDisplayName }, "could not audit a refused write");
    }
  }
}

// A refused write is audited with what the caller sent, unchecked: a 200 KB displayName, or an
// "id" that is no GUID. These bounds keep such an entry from storing it all (the column for a
// target id holds 36 characters; names are at most 256 when valid).
const MAX_AUDITED_NAME = 256;
const MAX_AUDITED_REASON = 1024;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function bounded(entry: AuditEntry): AuditEntry {
  return {
    ...entry,
    resultReason: clip(entry.resultReason, MAX_AUDITED_REASON) ?? "",
    targetResources: entry.targetResources.map((target) => ({
      ...target,
      id: target.id !== null && GUID.test(target.id.trim()) ? target.id.trim().toLowerCase() : null,
      displayName: clip(target.displayName, MAX_AUDITED_NAME),
      userPrincipalName: clip(target.userPrincipalName, MAX_AUDITED_NAME),
    })),
  };
}

/** At most `max` characters (code points), the last one an ellipsis when something was cut. */
function clip(text: string | null, max: number): string | null {
  if (text === null || text.length <= max) return text;
  const characters = [...text];
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join("")}…`;
}

function reasonOf(error: unknown): string {
  return error instanceof HelpgateError ? error.message : "An internal error occurred.";
}
