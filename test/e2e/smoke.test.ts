import { TestGateway } from "../support/harness";

describe("a fresh gateway", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await TestGateway.start();
  });
  afterAll(() => gateway.stop());

  it("serves the demo tenant to its Global Administrator", async () => {
    const data = await gateway.ok("admin", "{ organization { displayName defaultUsageLocation verifiedDomains { name } } me { userPrincipalName } }");
    expect(data.organization).toEqual({
      displayName: "Contoso",
      defaultUsageLocation: "US",
      verifiedDomains: [{ name: "contoso.com" }, { name: "contoso.onmicrosoft.com" }],
    });
    expect(data.me.userPrincipalName).toBe("admin@contoso.com");
  });
});
