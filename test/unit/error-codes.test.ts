import { recognizeErrorCodes } from "../../src/content/error-codes";

describe("recognising error codes in article text", () => {
  it("finds Entra sign-in codes, HRESULTs and PascalCase error identifiers, in canonical spelling", () => {
    const text = "Sign-in fails with aadsts50076 or AADSTS700016; the update stops with 0x80070005. Backup reports ExtensionSnapshotFailedNoNetwork, UserErrorKeyVaultPermissionsNotConfigured or CountViolation.";
    expect(recognizeErrorCodes(text).sort()).toEqual(
      ["AADSTS50076", "AADSTS700016", "0x80070005", "ExtensionSnapshotFailedNoNetwork", "UserErrorKeyVaultPermissionsNotConfigured", "CountViolation"].sort(),
    );
  });

  it("leaves out ordinary words, product names and identifiers that say nothing of an error", () => {
    expect(recognizeErrorCodes("Error: the VirtualMachine in ResourceGroup failed. Check the ErrorMessage field, 0x1234 and AADSTS12.")).toEqual([]);
  });

  it("needs the error word at a word boundary inside the identifier", () => {
    expect(recognizeErrorCodes("InvalidUsageLocation ErroneousValue Errors")).toEqual(["InvalidUsageLocation"]);
  });
});
