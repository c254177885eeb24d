import { Arg, ID, Resolver, Root, Subscription } from "type-graphql";
import type { RequestContext } from "../../context";
import { serviceUnavailable } from "../../errors";
import { STOPPING, type ProcessingUpdate } from "../services/license-progress";
import { processingState } from "./mappers";
import { LicenseProcessingState } from "./types";

/** Live progress of group-based licensing, for portals that show "Processing… 4,200 of 10,000". */
@Resolver()
export class ProcessingSubscriptionResolver {
  @Subscription(() => LicenseProcessingState, {
    description:
      "A group's licenseProcessingState now and each time it changes (at most a few a second), until ProcessingComplete; then the subscription completes. " +
      "Served over Server-Sent Events at /graphql/stream (the graphql-sse protocol). Needs directory.read, like the group itself.",
    subscribe: ({ args, context }) => (context as RequestContext).services.licensing.groups.watchProcessing((context as RequestContext).caller, String(args.groupId)),
  })
  groupLicenseProcessing(@Root() update: ProcessingUpdate, @Arg("groupId", () => ID, { description: "The group whose license processing to follow." }) _groupId: string): LicenseProcessingState {
    if (update === STOPPING) throw serviceUnavailable("The gateway is shutting down; subscribe again to follow the processing.");
    return processingState(update);
  }
}
