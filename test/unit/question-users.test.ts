import { userPrincipalNamesIn } from "../../src/assistant/assistant.service";

describe("the userPrincipalNames written in a question", () => {
  it("finds each address once, in the order written, without the sentence's punctuation around it", () => {
    expect(userPrincipalNamesIn("Why can't Emma.Wilson@contoso.com get E3? emma.wilson@CONTOSO.com asked.")).toEqual(["Emma.Wilson@contoso.com"]);
    expect(userPrincipalNamesIn("Ask 'john.smith@contoso.com', then (ada@sales.contoso.com).")).toEqual(["john.smith@contoso.com", "ada@sales.contoso.com"]);
  });

  it("keeps the characters Entra allows before the @, an apostrophe included", () => {
    expect(userPrincipalNamesIn("is o'brien_j-2!@contoso.onmicrosoft.com licensed")).toEqual(["o'brien_j-2!@contoso.onmicrosoft.com"]);
  });

  it("finds none in a question without a full address", () => {
    expect(userPrincipalNamesIn("why can't Emma get a license?")).toEqual([]);
    expect(userPrincipalNamesIn("mail to emma@ or @contoso.com or emma@contoso")).toEqual([]);
  });
});
