import { can, type Caller } from "../auth/permissions";
import type { ContentService, Troubleshooting } from "../content/content.service";
import type { Article, ArticleStep } from "../content/model";
import type { SearchHit } from "../content/search-index";
import type { GroupRecord, UserRecord } from "../directory/model";
import { DIRECTORY_READERS, GLOBAL_ADMINISTRATOR, GLOBAL_READER, LICENSE_ADMINISTRATOR, USER_ADMINISTRATOR } from "../directory/roles";
import type { GroupService } from "../directory/services/group.service";
import type { UserService } from "../directory/services/user.service";
import { badInput, notFound, roleRequired } from "../errors";
import type { DiagnosisService, LicenseDiagnosis } from "../licensing/services/diagnosis.service";

/** One reason a user lacks a license, with the steps (and their article) that fix it. */
export interface DiagnosedProblem extends LicenseDiagnosis {
  troubleshooting: Troubleshooting | null;
}

export interface UserDiagnosis {
  user: UserRecord;
  problems: DiagnosedProblem[];
  /** The groups the problems involve (the group a license comes from, a paused dynamic group). */
  groups: GroupRecord[];
}

export interface Answer {
  question: string;
  articles: (SearchHit & { article: Article })[];
  /** The recommended steps of the best article that has numbered steps. */
  steps: ArticleStep[];
  /** The article `steps` come from: the best one, or the next that has steps when it has none. */
  stepsFrom: Article | null;
  user: UserRecord | null;
  userProblems: (DiagnosedProblem & { matchesQuestion: boolean })[];
  /** Set when a user was named but the caller may not see that user's problems. */
  notice: string | null;
}

/** The roles that may diagnose someone else; a member without a role may diagnose only themself. */
export const DIAGNOSING_ROLES = [DIRECTORY_READERS, GLOBAL_READER, LICENSE_ADMINISTRATOR, USER_ADMINISTRATOR, GLOBAL_ADMINISTRATOR];
const DIAGNOSING_ROLE_NAMES = "Directory Readers, Global Reader, License Administrator, User Administrator or Global Administrator";
const FALLBACK_CANDIDATES = 10;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The help desk's assistant, above the articles and the licensing: it joins a user's live
 * license problems with the steps that fix them. The GraphQL `ask` query and the MCP tools
 * both answer from here, so a portal and a chatbot read the same diagnosis.
 */
export class AssistantService {
  constructor(
    private readonly content: ContentService,
    private readonly diagnosis: DiagnosisService,
    private readonly users: UserService,
    private readonly groups: GroupService,
  ) {}

  /** A user named by id or userPrincipalName (a bare nickname gets no domain guessed). */
  async findUser(caller: Caller | null, user: string): Promise<UserRecord> {
    const key = user.trim();
    if (!key) throw badInput("user is empty; give a userPrincipalName (e.g. emma.wilson@contoso.com) or an object id.", { field: "user" });
    const found = await this.users.get(caller, GUID.test(key) ? { id: key } : { userPrincipalName: key });
    if (!found) throw notFound("User", key);
    return found;
  }

  /** Whether the caller may see this user's license problems: their own, or anyone's with a directory role. */
  mayDiagnose(caller: Caller | null, userId: string): boolean {
    if (!can(caller, "directory.read")) return false;
    return caller!.id === userId || DIAGNOSING_ROLES.some((role) => caller!.roleTemplateIds.has(role));
  }

  /** What stands between the user and their licenses now, each problem with its steps. */
  async diagnose(caller: Caller | null, user: string): Promise<UserDiagnosis> {
    const found = await this.findUser(caller, user);
    if (!this.mayDiagnose(caller, found.id)) {
      throw roleRequired(`Diagnosing another user's licenses needs a directory role: ${DIAGNOSING_ROLE_NAMES}. Without a role you may diagnose only yourself.`);
    }
    const { problems } = await this.diagnosis.diagnose(caller, found.id);
    const groupIds = [...new Set(problems.flatMap((problem) => (problem.groupId ? [problem.groupId] : [])))];
    const groups = (await Promise.all(groupIds.map((id) => this.groups.get(caller, id)))).filter((group): group is GroupRecord => group !== null);
    return {
      user: found,
      problems: problems.map((problem) => ({ ...problem, troubleshooting: this.content.troubleshoot(problem.code) })),
      groups,
    };
  }

  /**
   * The chatbot's entry point: the articles and steps that answer the question, and, when a
   * user is named and the caller may see their problems, that user's live license problems,
   * each with its own steps; problems the question is about come first.
   */
  async ask(caller: Caller | null, question: string, userId: string | null, first = 3): Promise<Answer> {
    const named = this.content.errorCodesNamedIn(question);
    const pinned = named.flatMap((code) => {
      const article = this.content.troubleshoot(code)?.article;
      return article ? [{ articleId: article.articleId, score: Number.POSITIVE_INFINITY, highlights: [], article }] : [];
    });
    const hits = this.content.search(question, Math.max(first, FALLBACK_CANDIDATES));
    const candidates = [...pinned, ...hits.filter((hit) => !pinned.some((p) => p.articleId === hit.articleId))];
    const articles = candidates.slice(0, first);
    // An article without numbered steps (an overview, a title with links) is no answer to act
    // on: the steps come from the next article that has some, shown among the articles.
    const withSteps = candidates.find((hit) => hit.article.recommendedSteps.length > 0) ?? null;
    if (withSteps && !articles.includes(withSteps) && articles.length > 0) articles[articles.length - 1] = withSteps;
    const top = articles[0]?.article ?? null;
    const stepsFrom = top && top.recommendedSteps.length > 0 ? top : (withSteps?.article ?? null);
    const answer: Answer = { question, articles, steps: stepsFrom?.recommendedSteps ?? [], stepsFrom, user: null, userProblems: [], notice: null };
    if (!userId) return answer;
    if (!can(caller, "directory.read")) {
      return { ...answer, notice: "Sign in with a directory role to see this user's own license problems." };
    }
    const found = await this.findUser(caller, userId);
    if (!this.mayDiagnose(caller, found.id)) {
      return { ...answer, notice: `Only a directory role (${DIAGNOSING_ROLE_NAMES}) may see another user's license problems.` };
    }
    const { user, problems } = await this.diagnose(caller, found.id);
    const topic = new Set([...named, ...(top?.errorCodes ?? [])].map((code) => code.toLowerCase()));
    const userProblems = problems
      .map((problem) => ({ ...problem, matchesQuestion: topic.has(problem.code.toLowerCase()) }))
      .sort((a, b) => Number(b.matchesQuestion) - Number(a.matchesQuestion));
    return { ...answer, user, userProblems };
  }
}
