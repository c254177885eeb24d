/**
 * The explorer's opening tabs: one operation for each thing a newcomer tries first, written
 * against the real schema (a test runs each one). The first tab has no variables: GraphiQL 5
 * fills the variables editor from the first tab's query only, not from its variables.
 */
export interface ExampleTab {
  query: string;
  variables?: string;
}

/** Office 365 E3 (ENTERPRISEPACK), which the demo tenant subscribes to. */
const E3_SKU_ID = "6fd2c87f-b296-42f0-b197-1e91e994b900";

export const EXAMPLE_TABS: ExampleTab[] = [
  {
    query: `# helpgate explorer. Support topics need no token;
# directory calls do. Get one with
#   npm run --silent token -- admin@contoso.com
# and put it in Headers below:
#   {"authorization": "Bearer <the token>"}
query SupportTopic {
  supportTopic(id: "32570959") {
    articles {
      pageTitle
      errorCodes
      recommendedSteps { number text }
    }
  }
}
`,
  },
  {
    query: `# Members whose license from a group is in error,
# group by group (needs a token).
query UsersWithLicenseErrors {
  groups(first: 10) {
    edges {
      node {
        displayName
        membersWithLicenseErrors(first: 10) {
          totalCount
          edges {
            node {
              id
              userPrincipalName
              usageLocation
              licenseAssignmentStates { skuId assignedByGroup state error }
            }
          }
        }
      }
    }
  }
}
`,
  },
  {
    query: `# What assigning Office 365 E3 to a user would do,
# without changing anything (needs a token). Run FindUser,
# copy the id into the variables, then run PreviewLicense.
query FindUser {
  user(userPrincipalName: "john.smith@contoso.com") { id displayName usageLocation }
}

query PreviewLicense($userId: ID!, $skuId: ID!) {
  previewLicenseAssignment(userId: $userId, addLicenses: [{ skuId: $skuId }]) {
    succeeded
    problems { error message skuId }
    licenseAssignmentStates { skuId state error }
  }
}
`,
    variables: JSON.stringify({ userId: "paste the id from FindUser", skuId: E3_SKU_ID }, null, 2),
  },
];
