import { isAbstractType, type GraphQLSchema, type GraphQLTypeResolver } from "graphql";
import { DateTimeResolver } from "graphql-scalars";
import { buildSchema, type PubSub } from "type-graphql";
import { AskResolver, LicenseStateTroubleshootingResolver } from "./assistant/graphql/ask.resolver";
import { AuditResolver } from "./audit/graphql/audit.resolver";
import { ContentResolver } from "./content/graphql/content.resolver";
import { directoryObjectTypeName } from "./directory/graphql/directory-object";
import { GroupResolver } from "./directory/graphql/group.resolver";
import { OrganizationResolver } from "./directory/graphql/organization.resolver";
import { CallerResolver, ServicePrincipalResolver } from "./directory/graphql/service-principal.resolver";
import { UserResolver } from "./directory/graphql/user.resolver";
import { GroupLicensingResolver } from "./licensing/graphql/group-licensing.resolver";
import { ProcessingSubscriptionResolver } from "./licensing/graphql/processing-subscription.resolver";
import { LicensedGroupResolver, LicensedUserResolver, LicenseSummaryResolver, ProductResolver } from "./licensing/graphql/product.resolver";
import { SubscriptionResolver } from "./licensing/graphql/subscription.resolver";
import { UserLicensingResolver } from "./licensing/graphql/user-licensing.resolver";
import { nodeTypeName } from "./node/node";
import { NodeResolver } from "./node/node.resolver";

export const RESOLVERS = [
  OrganizationResolver,
  UserResolver,
  GroupResolver,
  ServicePrincipalResolver,
  CallerResolver,
  AuditResolver,
  SubscriptionResolver,
  UserLicensingResolver,
  GroupLicensingResolver,
  ProcessingSubscriptionResolver,
  ProductResolver,
  LicenseSummaryResolver,
  LicensedUserResolver,
  LicensedGroupResolver,
  ContentResolver,
  AskResolver,
  LicenseStateTroubleshootingResolver,
  NodeResolver,
] as const;

let built: Promise<GraphQLSchema> | undefined;

const UNUSED_PUBSUB: PubSub = {
  publish() {
    throw new Error("helpgate's subscriptions subscribe through their services, not a pubSub");
  },
  subscribe() {
    throw new Error("helpgate's subscriptions subscribe through their services, not a pubSub");
  },
};

/** The whole API, from the resolvers of every module. Built once per process. */
export function helpgateSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: RESOLVERS,
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    // type-graphql wants a pubSub once any @Subscription exists. helpgate's subscriptions bring
    // their own `subscribe` (their events come from the database, per gateway), so it is unused.
    pubSub: UNUSED_PUBSUB,
  }).then((schema) => synchronousTypeResolvers(describeRoots(schema)));
  return built;
}

/**
 * type-graphql wraps every resolveType in an async function (it may be given a class to map to
 * its type), so each user or group in a list of members cost a promise to tell its type, and
 * graphql-jit (http/compiled-executor.ts) cannot take a promise there at all. Both of helpgate's
 * interfaces tell the type from the value at once, by name: they get their functions back.
 */
function synchronousTypeResolvers(schema: GraphQLSchema): GraphQLSchema {
  const resolvers: Record<string, GraphQLTypeResolver<never, unknown>> = { Node: nodeTypeName, DirectoryObject: directoryObjectTypeName };
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isAbstractType(type)) continue;
    const resolve = resolvers[type.name];
    if (!resolve) throw new Error(`the ${type.name} interface needs a synchronous resolveType in synchronousTypeResolvers`);
    type.resolveType = resolve as GraphQLTypeResolver<unknown, unknown>;
  }
  return schema;
}

/** type-graphql names the root types without a description; clients' explorers show these. */
function describeRoots(schema: GraphQLSchema): GraphQLSchema {
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  const subscription = schema.getSubscriptionType();
  if (query) query.description = "Reads: the directory, licensing, the audit log and the article library.";
  if (mutation) mutation.description = "Changes to the directory, licenses, subscriptions and applications; each is audited.";
  if (subscription) subscription.description = "Live updates, over Server-Sent Events at /graphql/stream.";
  return schema;
}
