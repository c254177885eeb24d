/** The licensing error codes an article can resolve, as the directory reports them. */
import { unique } from "./values";

export const LICENSING_ERROR_CODES = [
  "CountViolation",
  "MutuallyExclusiveViolation",
  "DependencyViolation",
  "ProhibitedInUsageLocationViolation",
  "UniquenessViolation",
  "InvalidUsageLocation",
  "InheritedLicense",
  "LicenseAssignmentAttributeConcurrencyException",
] as const;

const MENTION = new RegExp(`\\b(?:${LICENSING_ERROR_CODES.join("|")})\\b`, "g");

/** Codes named in the text, whole words, case-sensitive, in order of first mention. */
export function findErrorCodes(text: string): string[] {
  return unique(text.match(MENTION) ?? []);
}
