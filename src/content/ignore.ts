/**
 * Which files and folders `articles check` leaves out: folders named like templates (a content
 * repository keeps `documents/Templates`, `Diagnostics-templates`, `Apollo-template` beside its
 * articles, full of placeholder headers), unless asked for, and what `--ignore` globs match.
 */

/** A folder whose name ends with the word "template" or "templates" (any case, after `-`, `_`, `.` or a space). */
export const TEMPLATE_FOLDER = /(?:^|[-_. ])templates?$/i;

/**
 * A glob over paths relative to the folder checked, with forward slashes: `*` any characters but
 * `/`, `**` any characters (`**\/` also none), `?` one character but `/`; `folder/**` is the
 * folder and all it holds. A glob without a `/` matches a file or folder name at any depth (as
 * .gitignore does). Letter case is ignored.
 */
export function globToRegExp(glob: string): RegExp {
  const whole = glob.includes("/") ? glob.replace(/^\/+/, "") : `**/${glob}`;
  // `folder/**` names the folder itself too, so that it is left out whole.
  const anchored = whole.endsWith("/**") ? whole.slice(0, -3) : whole;
  let source = "";
  for (let i = 0; i < anchored.length; i += 1) {
    const char = anchored[i]!;
    if (char === "*" && anchored[i + 1] === "*") {
      const slash = anchored[i + 2] === "/";
      source += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}${anchored === whole ? "" : "(?:/.*)?"}/?$`, "i");
}

export interface IgnoreOptions {
  /** Globs (see globToRegExp) of files and folders to leave out. */
  globs: readonly string[];
  /** Leave out folders named like templates (default true). */
  skipTemplates?: boolean;
}

/** What to leave out, as listArticleFiles asks: a relative path, and whether it is a folder. */
export function ignorer(options: IgnoreOptions): (relative: string, folder: boolean) => boolean {
  const patterns = options.globs.map(globToRegExp);
  const skipTemplates = options.skipTemplates ?? true;
  return (relative, folder) => {
    if (folder && skipTemplates && TEMPLATE_FOLDER.test(relative.slice(relative.lastIndexOf("/") + 1))) return true;
    return patterns.some((pattern) => pattern.test(relative));
  };
}
