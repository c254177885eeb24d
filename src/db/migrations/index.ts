import { Directory1763800000000 } from "./1763800000000-directory";
import { Licensing1763900000000 } from "./1763900000000-licensing";
import { CorrelationId1764000000000 } from "./1764000000000-correlation-id";
import { WorkOrder1764100000000 } from "./1764100000000-work-order";
import { ProxyHolders1764200000000 } from "./1764200000000-proxy-holders";
import { WorkRanges1764300000000 } from "./1764300000000-work-ranges";
import { LicensingReads1764400000000 } from "./1764400000000-licensing-reads";
import { ServicePrincipals1764500000000 } from "./1764500000000-service-principals";
import { LicensingProgress1764560000000 } from "./1764560000000-licensing-progress";
import { ProductViews1764600000000 } from "./1764600000000-product-views";
import { SubscriptionUnits1764611600000 } from "./1764611600000-subscription-units";
import { NestedGroups1764620000000 } from "./1764620000000-nested-groups";
import { AuditFilters1764630000000 } from "./1764630000000-audit-filters";
import { LargeTenantReads1764700000000 } from "./1764700000000-large-tenant-reads";
import { PrefixPages1764800000000 } from "./1764800000000-prefix-pages";
import { AuditTimeWindow1764810000000 } from "./1764810000000-audit-time-window";
import { AuditTimeOrder1764900000000 } from "./1764900000000-audit-time-order";
import { DynamicGroups1765000000000 } from "./1765000000000-dynamic-groups";
import { UserErrors1765100000000 } from "./1765100000000-user-errors";
import { MemberNames1765200000000 } from "./1765200000000-member-names";
import { UpnOtherInitial1765300000000 } from "./1765300000000-upn-other-initial";
import { UpnOtherInitialPostgres1765400000000 } from "./1765400000000-upn-other-initial-postgres";
import { UpnOtherStart1765500000000 } from "./1765500000000-upn-other-start";
import { UsersWithoutUsageLocation1765600000000 } from "./1765600000000-users-without-usage-location";

/** Every migration, oldest first. Listed by hand so the built server and the tests agree. */
export const MIGRATIONS = [
  Directory1763800000000,
  Licensing1763900000000,
  CorrelationId1764000000000,
  WorkOrder1764100000000,
  ProxyHolders1764200000000,
  WorkRanges1764300000000,
  LicensingReads1764400000000,
  ServicePrincipals1764500000000,
  LicensingProgress1764560000000,
  ProductViews1764600000000,
  SubscriptionUnits1764611600000,
  NestedGroups1764620000000,
  AuditFilters1764630000000,
  LargeTenantReads1764700000000,
  PrefixPages1764800000000,
  AuditTimeWindow1764810000000,
  AuditTimeOrder1764900000000,
  DynamicGroups1765000000000,
  UserErrors1765100000000,
  MemberNames1765200000000,
  UpnOtherInitial1765300000000,
  UpnOtherInitialPostgres1765400000000,
  UpnOtherStart1765500000000,
  UsersWithoutUsageLocation1765600000000,
];
