import { randomUUID } from "node:crypto";
import type { EntityManager, SelectQueryBuilder } from "typeorm";
import { AuditEntity, AuditTargetEntity } from "./entities";
import type { AuditEntry, AuditRecord } from "./model";

export interface AuditFilter {
  category?: string | null;
  activityDisplayName?: string | null;
  targetId?: string | null;
  initiatedById?: string | null;
  result?: string | null;
  since?: Date | null;
  until?: Date | null;
}

const LOGGED_BY_SERVICE = "Core Directory";

/** The only code that reads or writes the audit tables. */
export class AuditStore {
  constructor(private readonly manager: EntityManager) {}

  async insert(entry: AuditEntry, at: Date): Promise<AuditRecord> {
    const initiatorId = entry.initiatedBy.kind === "user" ? entry.initiatedBy.id : null;
    const record: Omit<AuditRecord, "seq"> = {
      ...entry,
      id: randomUUID(),
      activityDateTime: at,
      loggedByService: LOGGED_BY_SERVICE,
      initiatorId,
    };
    const inserted = await this.manager.insert(AuditEntity, record);
    const seq = Number(inserted.identifiers[0]?.seq);
    const targetIds = new Set(entry.targetResources.flatMap((target) => (target.id ? [target.id] : [])));
    if (targetIds.size > 0) {
      await this.manager.insert(
        AuditTargetEntity,
        [...targetIds].map((targetId) => ({ auditSeq: seq, targetId })),
      );
    }
    return { ...record, seq };
  }

  /** Newest first; `beforeSeq` continues a page. */
  async list(filter: AuditFilter, beforeSeq: number | null, limit: number): Promise<AuditRecord[]> {
    const query = this.filtered(filter).orderBy("a.seq", "DESC").take(limit);
    if (beforeSeq !== null) query.andWhere("a.seq < :beforeSeq", { beforeSeq });
    return query.getMany();
  }

  count(filter: AuditFilter): Promise<number> {
    return this.filtered(filter).getCount();
  }

  private filtered(filter: AuditFilter): SelectQueryBuilder<AuditRecord> {
    const query = this.manager.createQueryBuilder(AuditEntity, "a").where("1 = 1");
    if (filter.category) query.andWhere("a.category = :category", { category: filter.category });
    if (filter.activityDisplayName) {
      query.andWhere("a.activityDisplayName = :activity", { activity: filter.activityDisplayName });
    }
    if (filter.initiatedById) query.andWhere("a.initiatorId = :initiator", { initiator: filter.initiatedById });
    if (filter.result) query.andWhere("a.result = :result", { result: filter.result });
    if (filter.since) query.andWhere("a.activityDateTime >= :since", { since: filter.since.toISOString() });
    if (filter.until) query.andWhere("a.activityDateTime <= :until", { until: filter.until.toISOString() });
    if (filter.targetId) {
      query.andWhere(
        "a.seq IN (SELECT t.audit_seq FROM directory_audit_targets t WHERE t.target_id = :targetId)",
        { targetId: filter.targetId },
      );
    }
    return query;
  }
}
