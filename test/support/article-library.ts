/**
 * A test library laid out as a self-help content repository: `articles/` holds helpgate's own
 * articles, a set of hand-written topic articles (the questions of the search tests answer from
 * them), generated filler articles that share their vocabulary, and the oddities real libraries
 * have (steps under sub-headings, paragraph steps, a reused articleId, internal article types,
 * error codes in titles, file names and text, images); `documents/` holds templates, as a real
 * repository does. Every text here is written for these tests.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface TestLibrary {
  /** The repository root: articles/ and documents/. */
  root: string;
  /** root/articles: what a server serves. */
  articles: string;
  /** How many article files (.md under articles/) were written. */
  files: number;
  cleanup: () => void;
}

export interface Attributes {
  articleId: string;
  pageTitle: string;
  description?: string;
  service?: string;
  selfHelpType?: string;
  supportTopicIds?: string;
  cloudEnvironments?: string;
  errorCodes?: string;
  displayOrder?: string;
}

export function header(attributes: Attributes): string {
  const all: Record<string, string> = {
    description: `${attributes.pageTitle}.`,
    service: "microsoft.test",
    resource: "resources",
    authors: "helpgate",
    selfHelpType: "generic",
    supportTopicIds: "900000",
    cloudEnvironments: "public",
    ...attributes,
  };
  return `<properties\n${Object.entries(all).map(([name, value]) => `    ${name}="${value}"`).join("\n")}\n/>\n`;
}

/** An article: header, title, a line of description, then the sections given as Markdown. */
export function article(attributes: Attributes, body: string): string {
  return `${header(attributes)}\n# ${attributes.pageTitle}\n\n${body.trim()}\n`;
}

const steps = (...items: string[]) => `## **Recommended Steps**\n\n${items.map((item, i) => `${i + 1}. ${item}`).join("\n")}\n`;
const documents = "## **Recommended Documents**\n\n- [Documentation](https://learn.example.com/docs)\n";

/** Topic articles: each answers one kind of question; the search tests ask them. */
export const TOPICS: { file: string; attributes: Attributes; body: string }[] = [
  {
    file: "microsoft.keyvault/keyvault-access-troubleshoot.md",
    attributes: { articleId: "keyvault-access", pageTitle: "Troubleshoot access to Key Vault", description: "Requests to a key vault are denied with 403 Forbidden or an access policy error.", service: "microsoft.keyvault", supportTopicIds: "910001" },
    body: `A caller gets *Forbidden* when neither an access policy nor an RBAC role grants it the operation.\n\n${steps("Find the caller's object id in the error message.", "Open **Access policies** (or **Access control (IAM)** when the vault uses Azure RBAC) and grant the secret, key or certificate permissions it needs.", "Check the vault's firewall: a request from outside the allowed networks is refused too.")}\n${documents}`,
  },
  {
    file: "microsoft.web/webapp-http-50x.md",
    attributes: { articleId: "webapp-50x", pageTitle: "Web app returns HTTP 502 or 503 errors", description: "An App Service web app answers 502 Bad Gateway or 503 Service Unavailable.", service: "microsoft.web", supportTopicIds: "910002" },
    body: `Most 50x answers come from an application that crashes, hangs or runs out of memory.\n\n${steps("Open **Diagnose and solve problems** and run *Web App Down*.", "Restart the app and watch its memory and CPU.", "Scale up the App Service plan if the instances are saturated.")}\n${documents}`,
  },
  {
    file: "microsoft.compute/vm-reset-password.md",
    attributes: { articleId: "vm-reset-password", pageTitle: "Reset the password of a virtual machine", description: "Cannot sign in to a VM because the local administrator password is lost.", service: "microsoft.compute", supportTopicIds: "910003", cloudEnvironments: "public, fairfax" },
    body: `${steps("Open the VM in the portal and choose **Reset password**.", "Pick *Reset password*, enter the user name and a new password.", "Sign in again with Remote Desktop or SSH.")}\n${documents}`,
  },
  {
    file: "microsoft.compute/vm-rdp-connection.md",
    attributes: { articleId: "vm-rdp", pageTitle: "Cannot connect to a Windows VM with Remote Desktop", description: "RDP connections to a virtual machine time out or are refused.", service: "microsoft.compute", supportTopicIds: "910004", cloudEnvironments: "public, mooncake" },
    body: `${steps("Check that the network security group allows inbound TCP 3389.", "Run the VM's *RDP connectivity* check in Diagnose and solve problems.", "Restart the VM agent or redeploy the VM.")}\n${documents}`,
  },
  {
    file: "microsoft.storage/storage-firewall.md",
    attributes: { articleId: "storage-firewall", pageTitle: "Storage account firewall blocks requests", description: "Blob or file requests fail with AuthorizationFailure when the storage firewall is on.", service: "microsoft.storage", supportTopicIds: "910005" },
    body: `${steps("Add the client's public IP address or virtual network to the storage account's firewall.", "Allow trusted Microsoft services when a service reads the account.", "Use a private endpoint for clients inside a virtual network.")}\n${documents}`,
  },
  {
    file: "microsoft.sql/sql-connection-timeout.md",
    attributes: { articleId: "sql-timeout", pageTitle: "Connection timeouts to Azure SQL Database", description: "Applications cannot connect to a SQL database: login timeout expired or transient faults.", service: "microsoft.sql", supportTopicIds: "910006" },
    body: `${steps("Add retry logic for transient faults (error 40613).", "Check the server firewall rules for the client's IP address.", "Use port 1433 and the redirect connection policy inside Azure.")}\n${documents}`,
  },
  {
    file: "microsoft.documentdb/cosmos-429.md",
    attributes: { articleId: "cosmos-429", pageTitle: "Request rate is large (429) in Azure Cosmos DB", description: "Requests are throttled with status 429 when they use more request units than provisioned.", service: "microsoft.documentdb", supportTopicIds: "910007" },
    body: `${steps("Look at the normalized RU consumption metric per partition.", "Raise the provisioned throughput or enable autoscale.", "Spread writes over a better partition key.")}\n${documents}`,
  },
  {
    file: "microsoft.containerservice/aks-node-not-ready.md",
    attributes: { articleId: "aks-node-not-ready", pageTitle: "AKS cluster nodes are NotReady", description: "Kubernetes nodes of an AKS cluster show NotReady and pods are not scheduled.", service: "microsoft.containerservice", supportTopicIds: "910008" },
    body: `${steps("Run `kubectl describe node` and read the conditions.", "Check the node's kubelet and its outbound connectivity.", "Reimage or scale the node pool.")}\n${documents}`,
  },
  {
    file: "microsoft.aad/signin-aadsts50076.md",
    attributes: { articleId: "signin-mfa-required", pageTitle: "Sign-in fails with AADSTS50076: multi-factor authentication required", description: "Users are asked for MFA or blocked by a Conditional Access policy when signing in.", service: "microsoft.aad", supportTopicIds: "910009" },
    body: `The error AADSTS50076 means the user must complete multi-factor authentication.\n\n${steps("Have the user register an MFA method.", "Review the Conditional Access policies that apply to the sign-in.", "Check the sign-in logs for the policy that asked for MFA.")}\n${documents}`,
  },
  {
    file: "microsoft.recoveryservices/ExtensionSnapshotFailedNoNetwork.md",
    attributes: { articleId: "backup-snapshot-no-network", pageTitle: "VM backup fails: snapshot extension has no network", description: "Azure Backup of a virtual machine fails because the snapshot extension cannot reach the network.", service: "microsoft.recoveryservices", supportTopicIds: "910010" },
    body: `${steps("Allow the VM outbound access to the Azure Backup service tag.", "Check the proxy settings of the VM agent.", "Retry the backup job.")}\n${documents}`,
  },
  {
    file: "microsoft.recoveryservices/backup-keyvault-permissions.md",
    attributes: { articleId: "backup-keyvault-permissions", pageTitle: "Backup of an encrypted VM fails: Key Vault permissions", description: "UserErrorKeyVaultPermissionsNotConfigured: the Backup service cannot read the keys and secrets of an encrypted VM.", service: "microsoft.recoveryservices", supportTopicIds: "910011" },
    body: `${steps("Give the Backup Management Service get and list permissions on the vault's keys and secrets.", "Retry the backup.")}\n${documents}`,
  },
  {
    file: "microsoft.network/vpn-gateway-disconnects.md",
    attributes: { articleId: "vpn-disconnects", pageTitle: "Site-to-site VPN tunnel disconnects", description: "A VPN gateway connection drops or does not come up.", service: "microsoft.network", supportTopicIds: "910012", cloudEnvironments: "public, fairfax, mooncake" },
    body: `${steps("Compare the IPsec/IKE parameters on both sides.", "Check that the shared key matches.", "Reset the VPN gateway.")}\n${documents}`,
  },
  {
    file: "microsoft.network/dns-resolution.md",
    attributes: { articleId: "dns-resolution", pageTitle: "Name resolution fails inside a virtual network", description: "DNS lookups of private endpoints or custom domains fail from VMs.", service: "microsoft.network", supportTopicIds: "910013" },
    body: `${steps("Link the private DNS zone to the virtual network.", "Check the custom DNS servers set on the virtual network.", "Flush the client's DNS cache.")}\n${documents}`,
  },
  {
    file: "azure-billing/unexpected-charges.md",
    attributes: { articleId: "billing-unexpected-charges", pageTitle: "Unexpected charges on my invoice", description: "Understand charges on an Azure bill that you did not expect.", service: "azure-billing", supportTopicIds: "910014" },
    body: `${steps("Open **Cost analysis** and group the costs by resource.", "Delete or stop the resources you no longer use.", "Set a budget and alerts.")}\n${documents}`,
  },
  {
    file: "microsoft.web/function-app-not-triggering.md",
    attributes: { articleId: "functions-not-triggering", pageTitle: "Function app triggers do not fire", description: "Azure Functions are not triggered by timers, queues or HTTP requests.", service: "microsoft.web", supportTopicIds: "910015" },
    body: `${steps("Check that the app setting AzureWebJobsStorage points at a storage account that exists.", "Sync the triggers from the portal.", "Look at the function's invocation logs in Application Insights.")}\n${documents}`,
  },
  {
    file: "microsoft.keyvault/keyvault-soft-delete.md",
    attributes: { articleId: "keyvault-recover", pageTitle: "Recover a deleted key vault or secret", description: "Restore a soft-deleted vault, key or secret before it is purged.", service: "microsoft.keyvault", supportTopicIds: "910016" },
    body: `${steps("List the deleted vaults of the subscription.", "Recover the vault or the secret.", "Turn on purge protection.")}\n${documents}`,
  },
];

/** Internal articles (types support engineers use) that search leaves out unless asked. */
const INTERNAL: { file: string; attributes: Attributes; body: string }[] = [
  {
    file: "microsoft.keyvault/tsg-keyvault-access.md",
    attributes: { articleId: "tsg-keyvault-access", pageTitle: "Troubleshoot access to Key Vault (engineers)", description: "Key vault access denied 403: internal troubleshooting guide.", service: "microsoft.keyvault", selfHelpType: "TSG_Content", supportTopicIds: "910001" },
    body: steps("Query the vault's audit logs for the 403.", "Escalate to the Key Vault team."),
  },
  {
    file: "microsoft.web/topic-description-50x.md",
    attributes: { articleId: "topic-web-50x", pageTitle: "Web app 503 support topic", description: "App service 503 errors: what this support topic covers.", service: "microsoft.web", selfHelpType: "SupportTopicDescription", supportTopicIds: "910002" },
    body: "Describes the support topic for web apps answering 503.",
  },
];

/** Oddities of real libraries, each written small. */
function oddities(): Record<string, string> {
  return {
    // Steps under sub-headings (bullets, as many real articles write them), with a paragraph-only part.
    "oddities/steps-under-subheadings.md": article(
      { articleId: "steps-under-subheadings", pageTitle: "Activity log questions", service: "microsoft.monitor", supportTopicIds: "920001" },
      "Answers to common questions.\n\n## **Recommended Steps**\n\n### **Nothing shows in the log**\n- Widen the time span\n- Clear the filters\n\n### **Events cannot be deleted**\nEntries are written by the platform and cannot be changed.\n\n### **Old events**\n- The log keeps 90 days\n\n## **Recommended Documents**\n\n- [Docs](https://learn.example.com/monitor)\n",
    ),
    // Paragraphs only: each is a step; a lead-in and its command are one.
    "oddities/paragraph-steps.md": article(
      { articleId: "paragraph-steps", pageTitle: "Refund requests", service: "azure-billing", supportTopicIds: "920002" },
      "## **Recommended Steps**\n\nSubmit a refund request from the billing blade.\n\nRun this to list your invoices:\n\n```bash\naz billing invoice list\n```\n\n![The billing blade](https://images.example.com/billing.png)\n\nRefunds are applied to the subscription, never to the account.\n",
    ),
    // The heading with nothing under it, its parts at the same level.
    "oddities/steps-at-same-level.md": article(
      { articleId: "steps-at-same-level", pageTitle: "Pipeline reruns", service: "microsoft.datafactory", supportTopicIds: "920003" },
      "## **Recommended Steps**\n\n## An activity reran\n\n- Wait activities always run\n- Filters always run\n\n## **Recommended Documents**\n\n- [Docs](https://learn.example.com/adf)\n",
    ),
    // One articleId, two files.
    "oddities/duplicate-a.md": article({ articleId: "shared-id", pageTitle: "Shared id, first file", supportTopicIds: "920004" }, steps("First file's step.")),
    "oddities/nested/duplicate-b.md": article({ articleId: "Shared-Id", pageTitle: "Shared id, second file", supportTopicIds: "920004" }, steps("Second file's step.")),
    // Error codes in the text only, with a hex code, and one in the errorCodes attribute.
    "oddities/error-codes-in-text.md": article(
      { articleId: "error-codes-in-text", pageTitle: "Windows Update fails on a VM", service: "microsoft.compute", supportTopicIds: "920005" },
      `Updates stop with 0x80070005 (access denied) or with the error ProvisioningFailedTimeoutException.\n\n${steps("Restart the Windows Update service.", "Reset the update components.")}`,
    ),
    "oddities/general-mentions.md": article(
      { articleId: "general-mentions", pageTitle: "Common VM errors", service: "microsoft.compute", supportTopicIds: "920005" },
      `This page lists many errors: 0x80070005, AADSTS50076, ProvisioningFailedTimeoutException and more.\n\n${steps("Find your error in the list.")}`,
    ),
    "oddities/error-code-attribute.md": article(
      { articleId: "error-code-attribute", pageTitle: "Quota requests", service: "microsoft.compute", supportTopicIds: "920006", errorCodes: "QuotaExceededViolation" },
      steps("Request more quota from the portal."),
    ),
    // Pictures three ways, and a code fence never closed (a parse problem on its line).
    "oddities/pictures.md": article(
      { articleId: "pictures", pageTitle: "Reading the metrics chart", service: "microsoft.monitor", supportTopicIds: "920008" },
      '## **Recommended Steps**\n\n1. Open the chart:\n\n   ![The metrics chart](media/chart.png "Metrics")\n\n2. Compare with ![the baseline][baseline] and <img src="../shared/legend.png" alt="Legend">.\n\n[baseline]: https://images.example.com/baseline.png\n\n```kusto\nAzureMetrics | take 10\n',
    ),
    // Not every cloud.
    "oddities/fairfax-only.md": article(
      { articleId: "fairfax-only", pageTitle: "Government cloud sign-in endpoints", service: "microsoft.aad", cloudEnvironments: "fairfax", supportTopicIds: "920007" },
      steps("Use the login.microsoftonline.us endpoint."),
    ),
  };
}

const SERVICES = ["microsoft.compute", "microsoft.web", "microsoft.storage", "microsoft.sql", "microsoft.network", "microsoft.keyvault", "microsoft.aad", "azure-billing"];
const NOUNS = ["portal", "deployment", "resource group", "quota", "tags", "metrics", "alerts", "diagnostic settings", "role assignment", "region", "subscription", "template"];
const VERBS = ["configure", "move", "monitor", "export", "rename", "scale", "tag", "audit", "delete", "restore"];

/** Filler articles: how-to pages in the topics' services that share their common words. */
function filler(count: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let n = 0; n < count; n += 1) {
    const service = SERVICES[n % SERVICES.length]!;
    const noun = NOUNS[n % NOUNS.length]!;
    const verb = VERBS[(n * 7) % VERBS.length]!;
    const title = `How to ${verb} the ${noun} of a ${service.replace(/^microsoft\./, "")} resource (${n})`;
    files[`${service}/howto-${verb}-${noun.replace(/ /g, "-")}-${n}.md`] = article(
      { articleId: `howto-${n}`, pageTitle: title, service, supportTopicIds: String(930000 + (n % 40)), displayOrder: String(n) },
      `You may need to ${verb} the ${noun} when access to a resource changes or an error appears in the portal.\n\n${steps(`Open the resource in the portal and find ${noun}.`, `Choose ${verb} and confirm; access may be denied without the right role.`, "Check the activity log for errors.")}`,
    );
  }
  return files;
}

/** Templates, as a repository keeps them beside its articles. */
const TEMPLATES: Record<string, string> = {
  "documents/Templates/article-template.md": article({ articleId: "{articleId}", pageTitle: "{title}" }, steps("{step}")),
  "documents/Diagnostics-templates/diagnostic.md": article({ articleId: "{articleId}", pageTitle: "{title}" }, steps("{step}")),
};

/** Writes the library to a new temporary folder. `fillerCount` generated articles (default 160). */
export function writeTestLibrary(options: { fillerCount?: number; ownArticles?: string } = {}): TestLibrary {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "helpgate-library-"));
  const articles = path.join(root, "articles");
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  const own = options.ownArticles ?? path.resolve(__dirname, "../../articles");
  fs.cpSync(own, articles, { recursive: true });
  let files = countMarkdown(articles);
  const generated: Record<string, string> = {
    ...Object.fromEntries([...TOPICS, ...INTERNAL].map((topic) => [topic.file, article(topic.attributes, topic.body)])),
    ...oddities(),
    ...filler(options.fillerCount ?? 160),
  };
  for (const [file, text] of Object.entries(generated)) write(`articles/${file}`, text);
  files += Object.keys(generated).length;
  for (const [file, text] of Object.entries(TEMPLATES)) write(file, text);
  return { root, articles, files, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

function countMarkdown(dir: string): number {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile() && entry.name.endsWith(".md")).length;
}
