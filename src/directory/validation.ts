/**
 * Pure checks for directory inputs. Each parser returns the normalised value or throws
 * `badInput` with a message that names the field, says what is wrong and how to fix it, so the
 * same text can be shown unchanged by a portal, a chatbot or a log.
 */
import { badInput, type HelpgateError } from "../errors";
import { isCountryCode } from "./countries";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether the value is a GUID (any letter case, no braces). */
export function isGuid(value: string): boolean {
  return GUID.test(value);
}

const CONTROL_CHARACTER = /\p{Cc}/u;

// Entra's documented rule for the part before '@' in a userPrincipalName.
const UPN_LOCAL_CHARACTERS = /^[A-Za-z0-9.\-_!#^~']+$/;
const UPN_LOCAL_MAX = 64;
const UPN_MAX = 113; // 64 for the user name + '@' + 48 for the domain, as Entra enforces.

// RFC 5322 "atext" plus dots: what real mail systems accept without quoting.
const EMAIL_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TOP_LEVEL_DOMAIN = /^[A-Za-z]{2,63}$/;

const PRIMARY_PREFIX = "SMTP";
const SECONDARY_PREFIX = "smtp";
const ACCEPTED_PREFIXES = "'SMTP:' for the primary address or 'smtp:' for a secondary address";

const DISPLAY_NAME_MAX = 256;

/** A directory object id: returned lower-cased so ids compare equal however the caller typed them. */
export function parseGuid(value: string, field: string): string {
  const trimmed = value.trim();
  if (!GUID.test(trimmed)) {
    throw badInput(
      `${field} '${value}' is not a GUID; expected the form 00000000-0000-0000-0000-000000000000.`,
      { field },
    );
  }
  return trimmed.toLowerCase();
}

/** Null, undefined and "" all mean "clear the usage location". */
export function parseUsageLocation(
  value: string | null | undefined,
  field = "usageLocation",
): string | null {
  const code = (value ?? "").trim().toUpperCase();
  if (code === "") return null;
  if (!isCountryCode(code)) {
    throw badInput(
      `${field} '${value}' is not a country; it must be a two-letter ISO 3166-1 alpha-2 ` +
        `country code such as US, GB or DE.`,
      { field },
    );
  }
  return code;
}

/** Returns the UPN with the domain lower-cased; the user name keeps the caller's casing. */
export function parseUserPrincipalName(value: string, verifiedDomains: readonly string[]): string {
  const field = "userPrincipalName";
  const upn = value.trim();
  const fail = (problem: string, extra: Record<string, unknown> = {}) =>
    badInput(`${field} '${upn}' ${problem}`, { field, ...extra });

  if (upn === "") {
    throw badInput(`${field} must not be empty; write it as name@domain, e.g. adele@contoso.com.`, {
      field,
    });
  }
  if (upn.length > UPN_MAX) {
    throw fail(`is ${upn.length} characters long; it may be at most ${UPN_MAX} characters.`);
  }
  const parts = upn.split("@");
  if (parts.length !== 2) {
    throw fail("must contain exactly one '@' between the user name and the domain, e.g. adele@contoso.com.");
  }
  const [local, domain] = parts as [string, string];
  checkUpnLocalPart(local, fail);
  return `${local}@${checkVerifiedDomain(domain, verifiedDomains, fail)}`;
}

type Fail = (problem: string, extra?: Record<string, unknown>) => HelpgateError;

function checkUpnLocalPart(local: string, fail: Fail): void {
  if (local.length === 0 || local.length > UPN_LOCAL_MAX) {
    throw fail(`must have a user name of 1 to ${UPN_LOCAL_MAX} characters before the '@'.`);
  }
  if (!UPN_LOCAL_CHARACTERS.test(local)) {
    throw fail(
      "has a character that is not allowed before the '@'; use only letters, digits and . - _ ! # ^ ~ '.",
    );
  }
  if (local.startsWith(".") || local.endsWith(".") || local.includes("..")) {
    throw fail("must not start or end the user name with a period or contain two periods in a row.");
  }
}

function checkVerifiedDomain(domain: string, verifiedDomains: readonly string[], fail: Fail): string {
  const lower = domain.toLowerCase();
  if (verifiedDomains.some((verified) => verified.toLowerCase() === lower)) return lower;
  const known = verifiedDomains.length > 0 ? verifiedDomains.join(", ") : "(none are verified yet)";
  throw fail(`must end with a verified domain of the organization: ${known}.`, {
    verifiedDomains: [...verifiedDomains],
  });
}

/** Deliberately pragmatic: catches typos and pasted junk, not every address RFC 5322 allows. */
export function isEmailAddress(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.lastIndexOf("@");
  if (at <= 0) return false;
  const local = value.slice(0, at);
  const labels = value.slice(at + 1).split(".");
  const tld = labels[labels.length - 1] ?? "";
  return (
    local.length <= 64 &&
    EMAIL_LOCAL.test(local) &&
    labels.length >= 2 &&
    labels.every((label) => DOMAIN_LABEL.test(label)) &&
    TOP_LEVEL_DOMAIN.test(tld)
  );
}

/**
 * Exchange-style proxy addresses. The prefix casing carries meaning (SMTP = primary,
 * smtp = secondary), so it is compared exactly; the address itself is compared case-insensitively.
 */
export function parseProxyAddresses(values: readonly string[], field = "proxyAddresses"): string[] {
  const entries = values.map((value, index) => parseProxyAddress(value, index, field));
  rejectDuplicateAddresses(entries, field);
  const primaries = entries.filter(isPrimary);
  if (entries.length > 0 && primaries.length !== 1) {
    throw badInput(
      `${field} must contain exactly one primary address written with the upper-case prefix ` +
        `'SMTP:'; found ${primaries.length}. Write the other addresses with 'smtp:'.`,
      { field, primaryCount: primaries.length },
    );
  }
  return [...primaries, ...entries.filter((entry) => !isPrimary(entry))];
}

function isPrimary(entry: string): boolean {
  return entry.startsWith(`${PRIMARY_PREFIX}:`);
}

function parseProxyAddress(value: string, index: number, field: string): string {
  const entry = value.trim();
  const colon = entry.indexOf(":");
  const prefix = colon < 0 ? "" : entry.slice(0, colon);
  if (prefix !== PRIMARY_PREFIX && prefix !== SECONDARY_PREFIX) {
    const found = colon < 0 ? "has no prefix" : `has the prefix '${prefix}:'`;
    throw badInput(`${field} entry '${entry}' ${found}; only ${ACCEPTED_PREFIXES} are accepted.`, {
      field,
      index,
    });
  }
  if (!isEmailAddress(entry.slice(colon + 1))) {
    throw badInput(
      `${field} entry '${entry}' does not have a valid email address after '${prefix}:'; ` +
        `write it like ${prefix}:adele@contoso.com.`,
      { field, index },
    );
  }
  return entry;
}

function rejectDuplicateAddresses(entries: readonly string[], field: string): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    const key = proxyAddressKey(entry);
    if (seen.has(key)) {
      throw badInput(
        `${field} lists the address '${key}' more than once; addresses are compared ` +
          `ignoring case, so keep only one of them.`,
        { field, duplicate: key },
      );
    }
    seen.add(key);
  }
}

/** Two proxy addresses collide (within a user or across the directory) when these keys match. */
export function proxyAddressKey(proxyAddress: string): string {
  const entry = proxyAddress.trim();
  return entry.slice(entry.indexOf(":") + 1).toLowerCase();
}

/** The address (without prefix) of the `SMTP:` entry, or null when there is none. */
export function primarySmtpAddress(proxyAddresses: readonly string[]): string | null {
  const primary = proxyAddresses.map((entry) => entry.trim()).find(isPrimary);
  return primary === undefined ? null : primary.slice(PRIMARY_PREFIX.length + 1);
}

export function parseDisplayName(value: string, field = "displayName"): string {
  const name = value.trim();
  if (name === "") {
    throw badInput(`${field} must not be empty; give a name of 1 to ${DISPLAY_NAME_MAX} characters.`, {
      field,
    });
  }
  checkTextRules(name, field, DISPLAY_NAME_MAX);
  return name;
}

/** Optional free text: blank means "no value", so it is stored as null rather than "". */
export function parseOptionalText(
  value: string | null | undefined,
  field: string,
  maxLength: number,
): string | null {
  const text = (value ?? "").trim();
  if (text === "") return null;
  checkTextRules(text, field, maxLength);
  return text;
}

function checkTextRules(text: string, field: string, maxLength: number): void {
  // Counted in code points, not UTF-16 units, so an emoji counts once as users expect.
  const length = [...text].length;
  if (length > maxLength) {
    throw badInput(
      `${field} is ${length} characters long; shorten it to at most ${maxLength} characters.`,
      { field, maxLength },
    );
  }
  if (CONTROL_CHARACTER.test(text)) {
    throw badInput(
      `${field} contains a control character such as a tab or line break; remove it and use ` +
        `plain text on a single line.`,
      { field },
    );
  }
}
