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

/** Every code holds one of these: a text with none of them names no code, found without running MENTION. */
const PARTS = ["Violation", "Location", "License"];
for (const code of LICENSING_ERROR_CODES) if (!PARTS.some((part) => code.includes(part))) throw new Error(`PARTS misses ${code}`);

/** Codes named in the text, whole words, case-sensitive, in order of first mention. */
export function findErrorCodes(text: string): string[] {
  if (!text.includes(PARTS[0]!) && !text.includes(PARTS[1]!) && !text.includes(PARTS[2]!)) return [];
  return unique(text.match(MENTION) ?? []);
}
