import { documentedEnum } from "../../common/enums";
import type { MembershipRuleProcessingState as ProcessingStateName } from "../model";

// The directory's fixed value lists, spelled as Microsoft Graph spells them.

export const MembershipRuleProcessingState = documentedEnum(
  "MembershipRuleProcessingState",
  "Whether a dynamic group's membership follows its rule (Graph's group.membershipRuleProcessingState).",
  {
    On: "Members are added and removed as users come to match the rule or stop matching it.",
    Paused: "Membership is frozen: nobody is added or removed until it is On again.",
  } satisfies Record<ProcessingStateName, string>,
);
