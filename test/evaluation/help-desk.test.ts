import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { TestGateway } from "../support/harness";
import { call, mcpClient, textOf } from "../support/mcp-client";
import { IN_ERROR, LICENSED, QUESTIONS, type HelpDeskQuestion } from "./help-desk-questions";

/** The share of questions whose answer must name both the cause and the article. */
const REQUIRED = 0.9;

let gateway: TestGateway;
let helpDesk: Client;
/** Placeholder → nickname, for the Engineering members the processor happened to leave without E5. */
const engineers = new Map<string, string>();

beforeAll(async () => {
  gateway = await TestGateway.start();
  await gateway.settle();
  // A help-desk agent reads everything and changes nothing: a Global Reader.
  helpDesk = await mcpClient(gateway, "grace.kim");
  const inError = new Set<string>();
  const page = await call(helpDesk, "list_license_errors", { groupId: await gateway.groupId("Engineering") });
  for (const member of page.structuredContent.members) inError.add(member.user.userPrincipalName.split("@")[0]);
  // Inés García also lacks a usage location: the placeholders stand for members with one cause only.
  const others = ["mei.chen", "aisha.bello", "lucas.martin", "tom.jensen"];
  engineers.set(IN_ERROR, others.find((nickname) => inError.has(nickname))!);
  engineers.set(LICENSED, others.find((nickname) => !inError.has(nickname))!);
});

/** The question with its placeholders filled in. */
function filledIn(item: HelpDeskQuestion): HelpDeskQuestion {
  let json = JSON.stringify({ question: item.question, via: item.via });
  for (const [placeholder, nickname] of engineers) json = json.replaceAll(placeholder, nickname);
  return { ...item, ...(JSON.parse(json) as Pick<HelpDeskQuestion, "question" | "via">) };
}

afterAll(async () => {
  await helpDesk?.close();
  await gateway?.stop();
});

/** The answer a chatbot would pass on: the tool's Markdown, or ask's. */
async function answerTo(item: HelpDeskQuestion): Promise<string> {
  if ("tool" in item.via) {
    const result = await call(helpDesk, item.via.tool, item.via.args);
    return result.isError ? `(tool error) ${textOf(result)}` : textOf(result);
  }
  const userId = item.via.ask.user ? await gateway.userId(item.via.ask.user) : null;
  const data = await gateway.ok("grace.kim", "query($q: String!, $u: ID) { ask(question: $q, userId: $u) { markdown } }", { q: item.question, u: userId });
  return data.ask.markdown;
}

describe("the help-desk evaluation set", () => {
  it(`answers at least ${REQUIRED * 100}% of the questions naming the cause and the article`, async () => {
    expect(QUESTIONS.length).toBeGreaterThanOrEqual(30);
    const failures: string[] = [];
    for (const item of QUESTIONS.map(filledIn)) {
      const text = await answerTo(item);
      const causeNamed = item.cause.test(text);
      const articleNamed = item.article === "" || text.includes(item.article);
      if (!causeNamed || !articleNamed) {
        failures.push(`✗ ${item.question}\n    ${!causeNamed ? `cause ${item.cause} not named` : ""}${!causeNamed && !articleNamed ? "; " : ""}${!articleNamed ? `article "${item.article}" not named` : ""}\n    answer: ${text.slice(0, 300).replace(/\n/g, " ⏎ ")}`);
      }
    }
    const held = QUESTIONS.length - failures.length;
    process.stdout.write(`\nhelp-desk evaluation: ${held} of ${QUESTIONS.length} hold (${((100 * held) / QUESTIONS.length).toFixed(1)}%)\n${failures.join("\n")}\n`);
    expect(held / QUESTIONS.length).toBeGreaterThanOrEqual(REQUIRED);
  });
});
