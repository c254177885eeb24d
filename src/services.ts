import type { Logger } from "pino";
import { AuditedWrites } from "./audit/audited-writes";
import { AuditService } from "./audit/audit.service";
import { Tokens } from "./auth/tokens";
import type { Database } from "./db/database";
import { DynamicMembership } from "./directory/services/dynamic-membership";
import { GroupService } from "./directory/services/group.service";
import { OrganizationService } from "./directory/services/organization.service";
import { RoleService } from "./directory/services/role.service";
import { UserService } from "./directory/services/user.service";
import { LicenseProcessor, type ProcessorOptions } from "./licensing/processor";
import { AssignmentService } from "./licensing/services/assignment.service";
import { DiagnosisService } from "./licensing/services/diagnosis.service";
import { GroupLicensingService } from "./licensing/services/group-licensing.service";
import { SubscriptionService } from "./licensing/services/subscription.service";

/** Every service, built once at start. Resolvers reach them through the request context. */
export interface Services {
  db: Database;
  tokens: Tokens;
  audit: AuditService;
  organization: OrganizationService;
  users: UserService;
  groups: GroupService;
  roles: RoleService;
  licensing: {
    assignments: AssignmentService;
    groups: GroupLicensingService;
    subscriptions: SubscriptionService;
    diagnosis: DiagnosisService;
    processor: LicenseProcessor;
  };
}

export const DEFAULT_PROCESSOR_OPTIONS: ProcessorOptions = { batchSize: 500, leaseMs: 60_000, idleMs: 200 };

export function createServices(
  db: Database,
  tokenSecret: string,
  log: Logger,
  processorOptions: ProcessorOptions = DEFAULT_PROCESSOR_OPTIONS,
): Services {
  const audit = new AuditService(db);
  const writes = new AuditedWrites(db, audit, log);
  const dynamic = new DynamicMembership();
  const organization = new OrganizationService(db, writes);
  const users = new UserService(db, writes, organization, dynamic);
  const groups = new GroupService(db, writes, users, dynamic);
  const roles = new RoleService(db, writes, users);
  const licensing = {
    assignments: new AssignmentService(db, writes),
    groups: new GroupLicensingService(db, writes),
    subscriptions: new SubscriptionService(db, writes),
    diagnosis: new DiagnosisService(db),
    processor: new LicenseProcessor(db, audit, log, processorOptions),
  };
  return { db, tokens: new Tokens(tokenSecret), audit, organization, users, groups, roles, licensing };
}
