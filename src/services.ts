import os from "node:os";
import type { Logger } from "pino";
import { AssistantService } from "./assistant/assistant.service";
import type { Config } from "./config";
import { ContentService } from "./content/content.service";
import { articleCacheRoot } from "./content/loader/cache";
import { AuditedWrites } from "./audit/audited-writes";
import { AuditService } from "./audit/audit.service";
import { SignIn } from "./auth/authenticate";
import { ProviderTokens } from "./auth/provider-tokens";
import { Tokens } from "./auth/tokens";
import type { Database } from "./db/database";
import { DynamicMembership } from "./directory/services/dynamic-membership";
import { GroupService } from "./directory/services/group.service";
import { OrganizationService } from "./directory/services/organization.service";
import { RoleService } from "./directory/services/role.service";
import { ServicePrincipalService } from "./directory/services/service-principal.service";
import { UserService } from "./directory/services/user.service";
import { LicenseProcessor, type ProcessorOptions } from "./licensing/processor";
import { AssignmentService } from "./licensing/services/assignment.service";
import { DiagnosisService } from "./licensing/services/diagnosis.service";
import { GroupLicensingService } from "./licensing/services/group-licensing.service";
import { LicenseProgress } from "./licensing/services/license-progress";
import { ProductLicenseService } from "./licensing/services/product-license.service";
import { createNotifications } from "./db/notifications";
import { SubscriptionService } from "./licensing/services/subscription.service";

/** Every service, built once at start. Resolvers reach them through the request context. */
export interface Services {
  db: Database;
  tokens: Tokens;
  /** Verifies bearer tokens: the gateway's own, and the identity provider's (see auth/). */
  signIn: SignIn;
  audit: AuditService;
  organization: OrganizationService;
  users: UserService;
  groups: GroupService;
  roles: RoleService;
  servicePrincipals: ServicePrincipalService;
  licensing: {
    assignments: AssignmentService;
    groups: GroupLicensingService;
    subscriptions: SubscriptionService;
    diagnosis: DiagnosisService;
    processor: LicenseProcessor;
    progress: LicenseProgress;
    products: ProductLicenseService;
  };
  content: ContentService;
  assistant: AssistantService;
}

/**
 * Users per licensing batch (one transaction). On PostgreSQL a batch of 1,000 costs fewer round
 * trips and statements per user than two of 500: 100,000 members went from about 12,000 to 13,400
 * users/s with two processes (2,000 was no faster). On SQLite, whose one writer waits for each
 * batch, 500 keeps a mutation's wait and the batch's memory low.
 */
export function processorOptionsFor(kind: Database["kind"]): ProcessorOptions {
  return { batchSize: kind === "postgres" ? 1000 : 500, idleMs: 200 };
}

export function createServices(
  db: Database,
  config: Pick<Config, "database" | "articlesDir" | "articlesWatch" | "auth" | "tokenMaxLifetimeSeconds">,
  tokenSecret: string,
  log: Logger,
  processorOptions: ProcessorOptions = processorOptionsFor(db.kind),
): Services {
  const audit = new AuditService(db);
  const writes = new AuditedWrites(db, audit, log);
  const dynamic = new DynamicMembership();
  const organization = new OrganizationService(db, writes);
  const users = new UserService(db, writes, organization, dynamic);
  const groups = new GroupService(db, writes, users, dynamic);
  const roles = new RoleService(db, writes, users);
  const servicePrincipals = new ServicePrincipalService(db, writes);
  const diagnosis = new DiagnosisService(db);
  const notifications = createNotifications(db, log);
  db.replicas?.shareWrites(notifications);
  const progress = new LicenseProgress(notifications, log);
  const licensing = {
    assignments: new AssignmentService(db, writes),
    groups: new GroupLicensingService(db, writes, progress),
    subscriptions: new SubscriptionService(db, writes),
    diagnosis,
    processor: new LicenseProcessor(db, audit, log, processorOptions),
    progress,
    products: new ProductLicenseService(db, users, groups),
  };
  licensing.processor.reportProgressTo(progress);
  const content = new ContentService(contentOptions(config), log);
  const assistant = new AssistantService(content, diagnosis, users, groups, licensing);
  const tokens = new Tokens(tokenSecret, config.tokenMaxLifetimeSeconds);
  const { issuer } = config.auth;
  const provider = issuer === null ? null : new ProviderTokens({ ...config.auth, issuer }, () => organization.tenantId());
  const signIn = new SignIn(config.auth.devTokens ? tokens : null, provider, issuer);
  return { db, tokens, signIn, audit, organization, users, groups, roles, servicePrincipals, licensing, content, assistant };
}

/** Parsed articles are cached beside the SQLite file; with PostgreSQL, in the system's temporary folder. */
function contentOptions(config: Pick<Config, "database" | "articlesDir" | "articlesWatch">) {
  return {
    articlesDir: config.articlesDir,
    watch: config.articlesWatch,
    cacheDir: articleCacheRoot(config.database),
    workers: Math.min(4, os.availableParallelism()),
  };
}
