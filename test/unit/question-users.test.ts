import { namesIn, userPrincipalNamesIn } from "../../src/assistant/assistant.service";

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

describe("the display names a question may write out", () => {
  it("takes each run of two or more capitalized words, and each part of it, shortest first", () => {
    expect(namesIn("Why can't Emma Wilson get Office 365 E3?")).toEqual(["Emma Wilson"]);
    expect(namesIn("Can Lena Fischer get SPE E5 From Sales?")).toEqual(["Can Lena", "Lena Fischer", "From Sales", "Can Lena Fischer"]);
    expect(namesIn("Does Inés García's E3 work?")).toEqual(["Does Inés", "Inés García", "Does Inés García"]);
    expect(namesIn("Ask Zoë O'Brien. Then Tom Jensen.")).toEqual(["Ask Zoë", "Zoë O'Brien", "Then Tom", "Tom Jensen", "Ask Zoë O'Brien", "Then Tom Jensen"]);
  });

  it("takes no single word and no lower-case words", () => {
    expect(namesIn("Why can't Emma get a license?")).toEqual([]);
    expect(namesIn("why can't emma wilson get a license?")).toEqual([]);
  });

  it("looks up at most twelve names in one question", () => {
    expect(namesIn("Why Does The Whole Of This Title Start Each Word With A Capital")).toHaveLength(12);
  });
});
