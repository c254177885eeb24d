import { HelpgateError } from "../../src/errors";
import { COUNTRY_CODES, countryName, isCountryCode } from "../../src/directory/countries";
import {
  isEmailAddress,
  parseDisplayName,
  parseGuid,
  parseOptionalText,
  parseProxyAddresses,
  parseUsageLocation,
  parseUserPrincipalName,
  primarySmtpAddress,
  proxyAddressKey,
} from "../../src/directory/validation";

/** Runs `action`, expects a BAD_USER_INPUT error for `field`, and hands back the error. */
function badInputFrom(action: () => unknown, field: string): HelpgateError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(HelpgateError);
  const error = caught as HelpgateError;
  expect(error.code).toBe("BAD_USER_INPUT");
  expect(error.details["field"]).toBe(field);
  return error;
}

const DOMAINS = ["contoso.com", "contoso.onmicrosoft.com"] as const;

describe("country codes", () => {
  it("holds the 249 officially assigned ISO 3166-1 alpha-2 codes", () => {
    expect(COUNTRY_CODES.size).toBe(249);
    for (const code of ["AD", "AE", "DE", "GB", "US", "ZW", "AX", "SS", "BQ"]) {
      expect(isCountryCode(code)).toBe(true);
    }
  });

  it("leaves out user-assigned and reserved codes", () => {
    for (const code of ["XK", "EU", "UK", "ZZ", "AA", "QM"]) expect(isCountryCode(code)).toBe(false);
  });

  it("only knows codes written in upper case", () => {
    expect(isCountryCode("de")).toBe(false);
  });

  it("names a country in English, whatever the case of the code", () => {
    expect(countryName("DE")).toBe("Germany");
    expect(countryName("gb")).toBe("United Kingdom");
  });

  it("returns an unknown code unchanged instead of a placeholder name", () => {
    expect(countryName("ZZ")).toBe("ZZ");
    expect(countryName("nonsense")).toBe("nonsense");
  });
});

describe("GUID", () => {
  it("accepts an 8-4-4-4-12 hex id and returns it lower-cased", () => {
    expect(parseGuid("3F2504E0-4F89-11D3-9A0C-0305E82C3301", "id")).toBe(
      "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    );
  });

  it("ignores surrounding whitespace", () => {
    expect(parseGuid(" 00000000-0000-0000-0000-000000000000 ", "id")).toBe(
      "00000000-0000-0000-0000-000000000000",
    );
  });

  it("refuses anything else, naming the field and the expected form", () => {
    const error = badInputFrom(() => parseGuid("abc", "id"), "id");
    expect(error.message).toBe(
      "id 'abc' is not a GUID; expected the form 00000000-0000-0000-0000-000000000000.",
    );
  });

  it.each([
    ["missing hyphens", "3f2504e04f8911d39a0c0305e82c3301"],
    ["a non-hex digit", "3f2504e0-4f89-11d3-9a0c-0305e82c330g"],
    ["braces", "{3f2504e0-4f89-11d3-9a0c-0305e82c3301}"],
    ["a short group", "3f2504e0-4f89-11d3-9a0c-0305e82c330"],
  ])("refuses an id with %s", (_, value) => {
    badInputFrom(() => parseGuid(value, "groupId"), "groupId");
  });
});

describe("usage location", () => {
  it("accepts a lower-case code and returns it upper-cased", () => {
    expect(parseUsageLocation("de")).toBe("DE");
  });

  it("trims surrounding whitespace", () => {
    expect(parseUsageLocation("  US ")).toBe("US");
  });

  it.each([null, undefined, ""])("treats %p as clearing the usage location", (value) => {
    expect(parseUsageLocation(value)).toBeNull();
  });

  it("refuses a code that is not an assigned country, naming the value", () => {
    const error = badInputFrom(() => parseUsageLocation("UK"), "usageLocation");
    expect(error.message).toContain("'UK'");
    expect(error.message).toContain(
      "must be a two-letter ISO 3166-1 alpha-2 country code such as US, GB or DE",
    );
  });

  it.each(["USA", "Germany", "1", "X"])("refuses %p, which is not a two-letter code", (value) => {
    badInputFrom(() => parseUsageLocation(value), "usageLocation");
  });

  it("reports a custom field name", () => {
    badInputFrom(() => parseUsageLocation("XK", "location"), "location");
  });
});

describe("user principal name", () => {
  const parse = (value: string) => parseUserPrincipalName(value, DOMAINS);
  const refuse = (value: string) => badInputFrom(() => parse(value), "userPrincipalName");

  it("accepts a name at a verified domain, lower-casing only the domain", () => {
    expect(parse("Adele.Vance@Contoso.COM")).toBe("Adele.Vance@contoso.com");
  });

  it("trims surrounding whitespace", () => {
    expect(parse("  adele@contoso.onmicrosoft.com ")).toBe("adele@contoso.onmicrosoft.com");
  });

  it("accepts every special character Entra allows in the user name", () => {
    expect(parse("a.b-c_d!e#f^g~h'i@contoso.com")).toBe("a.b-c_d!e#f^g~h'i@contoso.com");
  });

  it("refuses an empty value", () => {
    expect(refuse("   ").message).toContain("must not be empty");
  });

  it.each(["adele", "adele@contoso.com@contoso.com"])("refuses %p, which lacks exactly one '@'", (value) => {
    expect(refuse(value).message).toContain("exactly one '@'");
  });

  it("refuses an empty user name", () => {
    expect(refuse("@contoso.com").message).toContain("1 to 64 characters");
  });

  it("accepts a 64-character user name but refuses 65", () => {
    expect(parse(`${"a".repeat(64)}@contoso.com`)).toBe(`${"a".repeat(64)}@contoso.com`);
    expect(refuse(`${"a".repeat(65)}@contoso.com`).message).toContain("1 to 64 characters");
  });

  it.each(["adele vance@contoso.com", "adele+news@contoso.com", "adèle@contoso.com", "a,b@contoso.com"])(
    "refuses %p, which has a character that is not allowed",
    (value) => {
      expect(refuse(value).message).toContain("use only letters, digits and . - _ ! # ^ ~ '");
    },
  );

  it.each([".adele@contoso.com", "adele.@contoso.com", "adele..vance@contoso.com"])(
    "refuses %p, which misplaces a period",
    (value) => {
      expect(refuse(value).message).toContain("period");
    },
  );

  it("refuses a domain that is not verified, listing the verified ones", () => {
    const error = refuse("adele@fabrikam.com");
    expect(error.message).toBe(
      "userPrincipalName 'adele@fabrikam.com' must end with a verified domain of the organization: " +
        "contoso.com, contoso.onmicrosoft.com.",
    );
    expect(error.details["verifiedDomains"]).toEqual([...DOMAINS]);
  });

  it("refuses a subdomain of a verified domain", () => {
    refuse("adele@mail.contoso.com");
  });

  it("says so when the organization has no verified domain", () => {
    const error = badInputFrom(() => parseUserPrincipalName("adele@contoso.com", []), "userPrincipalName");
    expect(error.message).toContain("none are verified yet");
  });

  it("refuses more than 113 characters in total", () => {
    const longDomain = `${"d".repeat(60)}.com`;
    const upn = `${"a".repeat(60)}@${longDomain}`;
    const error = badInputFrom(() => parseUserPrincipalName(upn, [longDomain]), "userPrincipalName");
    expect(error.message).toContain("at most 113 characters");
  });
});

describe("email address", () => {
  it.each(["adele@contoso.com", "Adele.Vance+news@mail.contoso.co.uk", "o'brien@contoso-eu.com"])(
    "accepts %p",
    (value) => {
      expect(isEmailAddress(value)).toBe(true);
    },
  );

  it.each([
    ["no '@'", "adele.contoso.com"],
    ["nothing before the '@'", "@contoso.com"],
    ["a space", "adele vance@contoso.com"],
    ["no top-level domain", "adele@contoso"],
    ["an empty domain label", "adele@contoso..com"],
    ["a label starting with a hyphen", "adele@-contoso.com"],
    ["an underscore in the domain", "adele@con_toso.com"],
    ["two '@'", "a@b@contoso.com"],
    ["a leading period", ".adele@contoso.com"],
    ["a numeric top-level domain", "adele@contoso.123"],
  ])("refuses an address with %s", (_, value) => {
    expect(isEmailAddress(value)).toBe(false);
  });
});

describe("proxy addresses", () => {
  const refuse = (values: string[]) => badInputFrom(() => parseProxyAddresses(values), "proxyAddresses");

  it("accepts an empty list", () => {
    expect(parseProxyAddresses([])).toEqual([]);
  });

  it("trims entries and puts the primary first, keeping the others in order", () => {
    expect(
      parseProxyAddresses([" smtp:b@contoso.com", "SMTP:Adele@contoso.com ", "smtp:c@contoso.com"]),
    ).toEqual(["SMTP:Adele@contoso.com", "smtp:b@contoso.com", "smtp:c@contoso.com"]);
  });

  it.each(["Smtp:adele@contoso.com", "X500:/o=Contoso/ou=First", "SIP:adele@contoso.com"])(
    "refuses the prefix of %p, saying which prefixes are accepted",
    (value) => {
      const error = refuse(["SMTP:primary@contoso.com", value]);
      expect(error.message).toContain("only 'SMTP:' for the primary address or 'smtp:' for a secondary");
      expect(error.details["index"]).toBe(1);
    },
  );

  it("refuses an entry without a prefix", () => {
    expect(refuse(["adele@contoso.com"]).message).toContain("has no prefix");
  });

  it("refuses an entry whose address is not valid", () => {
    expect(refuse(["SMTP:adele"]).message).toContain("does not have a valid email address after 'SMTP:'");
  });

  it("refuses a list without a primary, saying how many were found", () => {
    expect(refuse(["smtp:a@contoso.com"]).message).toContain("exactly one primary address");
    expect(refuse(["smtp:a@contoso.com"]).message).toContain("found 0");
  });

  it("refuses a list with two primaries, saying how many were found", () => {
    const error = refuse(["SMTP:a@contoso.com", "SMTP:b@contoso.com"]);
    expect(error.message).toContain("found 2");
    expect(error.details["primaryCount"]).toBe(2);
  });

  it("refuses the same address twice, whatever its case or prefix, naming the duplicate", () => {
    const error = refuse(["SMTP:Adele@contoso.com", "smtp:ADELE@CONTOSO.COM"]);
    expect(error.message).toContain("'adele@contoso.com' more than once");
    expect(error.details["duplicate"]).toBe("adele@contoso.com");
  });

  it("reports a custom field name", () => {
    badInputFrom(() => parseProxyAddresses(["smtp:a@contoso.com"], "aliases"), "aliases");
  });

  it("keys an address by its lower-cased part after the prefix", () => {
    expect(proxyAddressKey("SMTP:Adele@Contoso.com")).toBe("adele@contoso.com");
    expect(proxyAddressKey(" smtp:adele@contoso.com ")).toBe("adele@contoso.com");
  });

  it("finds the primary SMTP address without its prefix", () => {
    expect(primarySmtpAddress(["smtp:b@contoso.com", "SMTP:Adele@contoso.com"])).toBe(
      "Adele@contoso.com",
    );
  });

  it("has no primary SMTP address when only secondaries exist", () => {
    expect(primarySmtpAddress(["smtp:b@contoso.com"])).toBeNull();
    expect(primarySmtpAddress([])).toBeNull();
  });
});

describe("display name", () => {
  it("trims and returns the name", () => {
    expect(parseDisplayName("  Adele Vance ")).toBe("Adele Vance");
  });

  it("accepts 256 characters, counting an emoji once", () => {
    expect(parseDisplayName("a".repeat(256))).toHaveLength(256);
    expect(parseDisplayName(`${"a".repeat(255)}😀`)).toBe(`${"a".repeat(255)}😀`);
  });

  it("refuses an empty or blank name", () => {
    const error = badInputFrom(() => parseDisplayName("   "), "displayName");
    expect(error.message).toContain("must not be empty");
  });

  it("refuses more than 256 characters, naming the limit", () => {
    const error = badInputFrom(() => parseDisplayName("a".repeat(257)), "displayName");
    expect(error.message).toContain("at most 256 characters");
    expect(error.details["maxLength"]).toBe(256);
  });

  it.each(["Adele\tVance", "Adele\nVance", "Adele\u0000"])("refuses the control character in %p", (value) => {
    const error = badInputFrom(() => parseDisplayName(value), "displayName");
    expect(error.message).toContain("control character");
  });

  it("reports a custom field name", () => {
    badInputFrom(() => parseDisplayName("", "groupName"), "groupName");
  });
});

describe("optional text", () => {
  it("trims and returns the text", () => {
    expect(parseOptionalText("  Sales  ", "department", 64)).toBe("Sales");
  });

  it.each([null, undefined, "", "   "])("turns %p into null", (value) => {
    expect(parseOptionalText(value, "department", 64)).toBeNull();
  });

  it("accepts text at the limit", () => {
    expect(parseOptionalText("a".repeat(64), "department", 64)).toBe("a".repeat(64));
  });

  it("refuses text over the limit, naming the field and the limit", () => {
    const error = badInputFrom(() => parseOptionalText("a".repeat(65), "department", 64), "department");
    expect(error.message).toBe("department is 65 characters long; shorten it to at most 64 characters.");
  });

  it("refuses control characters", () => {
    const error = badInputFrom(() => parseOptionalText("Sales\r\nEMEA", "jobTitle", 128), "jobTitle");
    expect(error.message).toContain("control character");
  });
});
