import { can, type Caller } from "../auth/permissions";
import type { ContentService, Troubleshooting } from "../content/content.service";
import type { Article, ArticleStep } from "../content/model";
import type { SearchHit } from "../content/search-index";
import type { GroupRecord, UserRecord } from "../directory/model";
import { DIRECTORY_READERS, DIRECTORY_WRITERS, findRole, GLOBAL_ADMINISTRATOR, GLOBAL_READER, GROUPS_ADMINISTRATOR, LICENSE_ADMINISTRATOR, USER_ADMINISTRATOR } from "../directory/roles";
import type { GroupService } from "../directory/services/group.service";
import type { UserService } from "../directory/services/user.service";
import { isGuid } from "../directory/validation";
import { badInput, HelpgateError, notFound, roleRequired } from "../errors";
import { loadProducts } from "../licensing/catalog";
import { problemInWords } from "../licensing/engine";
import type { LicenseProblem } from "../licensing/engine";
import type { AssignmentService } from "../licensing/services/assignment.service";
import type { DiagnosisService, LicenseDiagnosis } from "../licensing/services/diagnosis.service";
import type { GroupLicensingService } from "../licensing/services/group-licensing.service";

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

/** A problem a license change would meet, with its steps. */
export interface PreviewedProblem extends LicenseProblem {
  skuPartNumber: string;
  servicePlanNames: string[];
  troubleshooting: Troubleshooting | null;
}

export interface AssignmentPreview {
  user: UserRecord;
  addSkuIds: string[];
  removeSkuIds: string[];
  succeeded: boolean;
  problems: PreviewedProblem[];
}

/** Members in error of one group, a page at a time, with their recorded errors. */
export interface GroupLicenseErrors {
  group: GroupRecord;
  totalCount: number;
  members: { user: UserRecord; errors: { skuId: string; skuPartNumber: string; error: string; state: string }[] }[];
  nextCursor: string | null;
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
  /**
   * Set when a user was named but the caller may not see that user's problems, or when the
   * question names a userPrincipalName no user has, a name several users share, or several users.
   */
  notice: string | null;
}

/** The roles that may diagnose someone else; a member without a role may diagnose only themself. */
export const DIAGNOSING_ROLES = [DIRECTORY_READERS, GLOBAL_READER, LICENSE_ADMINISTRATOR, USER_ADMINISTRATOR, GLOBAL_ADMINISTRATOR, GROUPS_ADMINISTRATOR, DIRECTORY_WRITERS];
const DIAGNOSING_ROLE_NAMES = DIAGNOSING_ROLES.map((id) => findRole(id)?.displayName ?? id)
  .join(", ")
  .replace(/, ([^,]*)$/, " or $1");
const FALLBACK_CANDIDATES = 10;
/** The users findUser lists when a name is not one user's. */
const NAME_CANDIDATES = 5;

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
    private readonly licensing: { assignments: AssignmentService; groups: GroupLicensingService },
  ) {}

  /**
   * A user named by id or userPrincipalName, or by their display name as a person says it
   * ("Emma Wilson", in any letter case) when exactly one user has it: a chatbot often passes on
   * the name it was told. A bare nickname gets no domain guessed; a name that no user has, or
   * several, is refused with the users whose name or userPrincipalName starts so, to ask again
   * with one of their userPrincipalNames.
   */
  async findUser(caller: Caller | null, user: string): Promise<UserRecord> {
    const key = user.trim();
    if (!key) throw badInput("user is empty; give a userPrincipalName (e.g. emma.wilson@contoso.com) or an object id.", { field: "user" });
    if (isGuid(key) || key.includes("@")) {
      const found = await this.users.get(caller, isGuid(key) ? { id: key } : { userPrincipalName: key });
      if (!found) throw notFound("User", key);
      return found;
    }
    const { named, candidates } = await this.usersNamed(caller, key);
    if (named.length === 1) return named[0]!;
    const listed = (users: UserRecord[]) => users.map((found) => `${found.userPrincipalName} (${found.displayName})`).join(", ");
    if (named.length > 1) {
      const count = named.length === NAME_CANDIDATES ? `${named.length} or more` : `${named.length}`;
      throw badInput(`${count} users are named '${key}': ${listed(named)}; give the userPrincipalName of the one you mean.`, { field: "user", candidates: named.map((found) => found.userPrincipalName) });
    }
    if (candidates.length === 0) throw notFound("User", key);
    const more = candidates.length === NAME_CANDIDATES ? " and more" : "";
    throw new HelpgateError("NOT_FOUND", `No user is named '${key}'; the users whose name or userPrincipalName starts so: ${listed(candidates)}${more}. Give a userPrincipalName or an object id.`, {
      resource: "User",
      candidates: candidates.map((found) => found.userPrincipalName),
    });
  }

  /** The users whose display name is `name` in any letter case, among the first NAME_CANDIDATES whose name or userPrincipalName starts so. */
  private async usersNamed(caller: Caller | null, name: string): Promise<{ named: UserRecord[]; candidates: UserRecord[] }> {
    const candidates = await this.users.list(caller, { startsWith: name }, null, NAME_CANDIDATES);
    return { named: candidates.filter((candidate) => candidate.displayName.toLowerCase() === name.toLowerCase()), candidates };
  }

  /**
   * The user a question without userId is about: the userPrincipalName written in it, else the
   * one user whose display name it writes out (a run of capitalized words: "Why can't Emma Wilson
   * get E3?"). Names are looked up only for a caller who may read the directory; a run that is
   * no user's name ("Azure Key Vault") is passed over. A notice instead when the question names
   * several users, or an address or a shared name that is no one user's.
   */
  private async userInQuestion(caller: Caller | null, question: string, addresses: string[]): Promise<{ user: string | UserRecord | null; notice: string | null }> {
    if (addresses.length > 1) return { user: null, notice: `The question names ${addresses.length} userPrincipalNames (${addresses.join(", ")}); ask with userId to hear about one of them.` };
    if (addresses.length === 1) return { user: addresses[0]!, notice: null };
    if (!can(caller, "directory.read")) return { user: null, notice: null };
    const found = new Map<string, UserRecord>();
    const shared: string[] = [];
    for (const name of namesIn(question.replace(USER_PRINCIPAL_NAMES, " "))) {
      const { named } = await this.usersNamed(caller, name);
      if (named.length > 1) shared.push(`${name} (${named.map((user) => user.userPrincipalName).join(", ")})`);
      for (const user of named.length === 1 ? named : []) found.set(user.id, user);
    }
    if (shared.length > 0) return { user: null, notice: `Several users are named ${shared.join("; ")}; ask with userId to hear about one of them.` };
    if (found.size > 1) {
      const names = [...found.values()].map((user) => `${user.displayName} (${user.userPrincipalName})`);
      return { user: null, notice: `The question names ${found.size} users: ${names.join(", ")}; ask with userId to hear about one of them.` };
    }
    return { user: [...found.values()][0] ?? null, notice: null };
  }

  /** Whether the caller may see this user's license problems: their own, or anyone's with a directory role. */
  mayDiagnose(caller: Caller | null, userId: string): boolean {
    return this.mayDiagnoseOthers(caller) || (can(caller, "directory.read") && caller!.id === userId);
  }

  /** A directory role, or an app that may read the directory (apps act for the organization, not for one user). */
  private mayDiagnoseOthers(caller: Caller | null): boolean {
    if (!can(caller, "directory.read")) return false;
    return caller!.kind === "app" || DIAGNOSING_ROLES.some((role) => caller!.roleTemplateIds.has(role));
  }

  private demandDiagnose(caller: Caller | null, userId: string | null): void {
    if (userId !== null && this.mayDiagnose(caller, userId)) return;
    if (userId === null && this.mayDiagnoseOthers(caller)) return;
    throw roleRequired(`Reading another user's license problems needs a directory role: ${DIAGNOSING_ROLE_NAMES}. Without a role you may diagnose only yourself.`);
  }

  /** What stands between the user and their licenses now, each problem with its steps. */
  async diagnose(caller: Caller | null, user: string): Promise<UserDiagnosis> {
    const found = await this.findUser(caller, user);
    this.demandDiagnose(caller, found.id);
    const { problems } = await this.diagnosis.diagnose(caller, found.id);
    await this.content.whenLoaded("headers");
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
    await this.content.whenLoaded("bodies");
    // Without userId, a userPrincipalName written in the question names the user; the address
    // is left out of the search either way ("contoso.com" matched the articles about addresses).
    const addresses = userPrincipalNamesIn(question);
    const searched = question.replace(USER_PRINCIPAL_NAMES, " ");
    const named = this.content.errorCodesNamedIn(question);
    const pinned = named.flatMap((code) => {
      const article = this.content.troubleshoot(code)?.article;
      return article ? [{ path: article.file, score: Number.POSITIVE_INFINITY, highlights: [], article }] : [];
    });
    const hits = this.content.search(searched.trim() === "" ? question : searched, Math.max(first, FALLBACK_CANDIDATES)).map((hit) => ({ ...hit, article: this.content.withBody(hit.article) }));
    const candidates = [...pinned, ...hits.filter((hit) => !pinned.some((p) => p.path === hit.path))];
    const articles = candidates.slice(0, first);
    // An article without numbered steps (an overview, a title with links) is no answer to act
    // on: the steps come from the next article that has some, shown among the articles.
    const withSteps = candidates.find((hit) => hit.article.recommendedSteps.length > 0) ?? null;
    if (withSteps && !articles.includes(withSteps) && articles.length > 0) articles[articles.length - 1] = withSteps;
    const top = articles[0]?.article ?? null;
    const stepsFrom = top && top.recommendedSteps.length > 0 ? top : (withSteps?.article ?? null);
    const answer: Answer = { question, articles, steps: stepsFrom?.recommendedSteps ?? [], stepsFrom, user: null, userProblems: [], notice: null };
    const inferred = userId ? null : await this.userInQuestion(caller, question, addresses);
    if (inferred?.notice) return { ...answer, notice: inferred.notice };
    if (!userId && !inferred?.user) return answer;
    if (!can(caller, "directory.read")) {
      return { ...answer, notice: "Sign in with a directory role to see this user's own license problems." };
    }
    const address = typeof inferred?.user === "string" ? inferred.user : null;
    const found = address ? await this.users.get(caller, { userPrincipalName: address }) : ((inferred?.user as UserRecord | null) ?? (await this.findUser(caller, userId!)));
    if (!found) return { ...answer, notice: `The question names ${address}, and no user of this directory has that userPrincipalName.` };
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

  /** Every problem a license change would meet for the user, in the service's check order; nothing is written. */
  async previewAssignment(caller: Caller | null, user: string, addLicenses: string[], removeLicenses: string[]): Promise<AssignmentPreview> {
    const found = await this.findUser(caller, user);
    this.demandDiagnose(caller, found.id);
    const addSkuIds = addLicenses.map((ref, i) => skuIdOf(ref, `addLicenses[${i}]`));
    const removeSkuIds = removeLicenses.map((ref, i) => skuIdOf(ref, `removeLicenses[${i}]`));
    const preview = await this.licensing.assignments.preview(caller, found.id, {
      addLicenses: addSkuIds.map((skuId) => ({ skuId })),
      removeLicenses: removeSkuIds,
    });
    const { skus, plans } = loadProducts();
    const problems = preview.problems.map((problem) => ({
      ...problem,
      // For people: conflicts and prerequisites named by their plans' names, not Graph's ids.
      message: problemInWords({ plans }, problem),
      skuPartNumber: skus.get(problem.skuId)?.skuPartNumber ?? problem.skuId,
      servicePlanNames: problem.servicePlanIds.map((id) => plans.get(id)?.servicePlanName ?? id),
      troubleshooting: this.content.troubleshoot(problem.error),
    }));
    return { user: found, addSkuIds, removeSkuIds, succeeded: preview.succeeded, problems };
  }

  /** The groups that have members in license error, each with how many. */
  async groupsWithLicenseErrors(caller: Caller | null): Promise<{ group: GroupRecord; membersInError: number }[]> {
    this.demandDiagnose(caller, null);
    const ids = await this.licensing.groups.groupsWithErrors(caller);
    const groups = (await Promise.all(ids.map((id) => this.groups.get(caller, id)))).filter((group): group is GroupRecord => group !== null);
    const counts = await Promise.all(groups.map((group) => this.licensing.groups.countErroredUsers(caller, group.id)));
    return groups.map((group, i) => ({ group, membersInError: counts[i] })).sort((a, b) => a.group.displayName.localeCompare(b.group.displayName));
  }

  /** One group's members in license error, with their errors; `after` is the last user id of the previous page. */
  async groupLicenseErrors(caller: Caller | null, groupId: string, after: string | null, limit: number): Promise<GroupLicenseErrors> {
    this.demandDiagnose(caller, null);
    const group = await this.groups.get(caller, groupId.trim());
    if (!group) throw notFound("Group", groupId);
    const ids = await this.licensing.groups.erroredUserIds(caller, group.id, after, limit + 1);
    const page = ids.slice(0, limit);
    const users = new Map((await this.users.byIds(caller, page)).map((user) => [user.id, user]));
    const states = await this.licensing.assignments.assignmentsOf(page);
    const { skus } = loadProducts();
    const members = page.flatMap((id) => {
      const user = users.get(id);
      if (!user) return [];
      const errors = (states.get(id) ?? [])
        .filter((state) => state.error !== null && state.source === group.id)
        .map((state) => ({ skuId: state.skuId, skuPartNumber: skus.get(state.skuId)?.skuPartNumber ?? state.skuId, error: state.error!, state: state.state }));
      return [{ user, errors }];
    });
    const totalCount = await this.licensing.groups.countErroredUsers(caller, group.id);
    return { group, totalCount, members, nextCursor: ids.length > limit ? page[page.length - 1] : null };
  }
}

const USER_PRINCIPAL_NAMES = /[A-Za-z0-9'._!#^~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;

/**
 * The userPrincipalNames written in a question, each once (in any case), in the order written:
 * `name@domain.tld`, as Entra allows them (letters, digits and ' . - _ ! # ^ ~ before the @).
 * Trailing dots, as at the end of a sentence, are not part of the domain.
 */
export function userPrincipalNamesIn(question: string): string[] {
  const found = new Map<string, string>();
  for (const [address] of question.matchAll(USER_PRINCIPAL_NAMES)) {
    const trimmed = address.replace(/^['.]+/, "");
    if (!found.has(trimmed.toLowerCase())) found.set(trimmed.toLowerCase(), trimmed);
  }
  return [...found.values()];
}

/** At most this many names are looked up in one question (each is one indexed read). */
const MAX_NAMES = 12;

/**
 * The display names a question may write out: the runs of two or more capitalized words in it,
 * each part of two or more words of a run, shortest first ("Does Inés García's E3 work?": "Does
 * Inés", "Inés García", then "Does Inés García"), a possessive 's and a closing full stop left
 * off. One word alone is not taken: a first name is rarely one user's, and every sentence starts
 * with a capital.
 */
export function namesIn(question: string): string[] {
  // A word is a capital and letters (E3 and SKU names with digits are none); a full stop ends a run.
  const runs = [...question.matchAll(/\p{Lu}[\p{L}\p{M}'’.-]*(?![\p{N}_])(?:[ \t]+\p{Lu}[\p{L}\p{M}'’.-]*(?![\p{N}_]))+/gu)]
    .flatMap(([run]) => run.split(/(?<=\.)[ \t]+/))
    .map((run) => run.split(/[ \t]+/).map((word) => word.replace(/(?:['’]s)?[.'’]*$/, "")))
    .filter((words) => words.length >= 2);
  const names: string[] = [];
  const longest = Math.max(0, ...runs.map((words) => words.length));
  for (let length = 2; length <= longest; length++) {
    for (const words of runs) for (let start = 0; start + length <= words.length; start++) names.push(words.slice(start, start + length).join(" "));
  }
  return [...new Set(names)].slice(0, MAX_NAMES);
}

/** A SKU named by its id or its part number (ENTERPRISEPACK), as the catalog knows it. */
export function skuIdOf(ref: string, field: string): string {
  const key = ref.trim();
  if (isGuid(key)) return key.toLowerCase();
  const ids = loadProducts().byPartNumber.get(key.toUpperCase()) ?? [];
  if (ids.length === 1) return ids[0];
  if (ids.length > 1) throw badInput(`${field}: the part number ${key} names ${ids.length} products; give the skuId instead (${ids.join(" or ")}).`, { field });
  throw badInput(`${field}: '${key}' is neither a SKU id nor a part number the product catalog knows (e.g. ENTERPRISEPACK for Office 365 E3).`, { field });
}
