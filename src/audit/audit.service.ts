import type { EntityManager } from "typeorm";
import type { Database } from "../db/database";
import { demand, type Caller } from "../auth/permissions";
import { AuditStore, type AuditFilter, type AuditPosition } from "./audit.store";
import type { AuditEntry, AuditRecord } from "./model";

export class AuditService {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records an entry inside the caller's transaction, so it commits or rolls back with it. */
  record(tx: EntityManager, entry: AuditEntry): Promise<AuditRecord> {
    return new AuditStore(tx).insert(entry, this.now());
  }

  /** Records several entries at once, in the caller's transaction. */
  recordMany(tx: EntityManager, entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    return entries.length === 0 ? Promise.resolve([]) : new AuditStore(tx).insertMany(entries, this.now());
  }

  /**
   * When the directory object with this id was deleted, as the audit log recorded it (for sign-in,
   * to tell a deleted user from one that never existed); null when no deletion is recorded.
   */
  async deletedAt(id: string, activityDisplayName: string): Promise<Date | null> {
    const [entry] = await new AuditStore(this.db.manager).list({ targetId: id, activityDisplayName, result: "success" }, null, 1);
    return entry?.activityDateTime ?? null;
  }

  get(caller: Caller | null, id: string): Promise<AuditRecord | null> {
    demand(caller, "audit.read");
    return new AuditStore(this.db.manager).find(id);
  }

  list(caller: Caller | null, filter: AuditFilter, from: AuditPosition | null, limit: number, backward = false): Promise<AuditRecord[]> {
    demand(caller, "audit.read");
    return new AuditStore(this.db.manager).list(filter, from, limit, backward);
  }

  count(caller: Caller | null, filter: AuditFilter): Promise<number> {
    demand(caller, "audit.read");
    return new AuditStore(this.db.manager).count(filter);
  }
}
