// Board tags (docs/firmware.md, *Tags*): labels a board keeps in its config or in /tags.json and
// announces in its status; the console filters the fleet and targets rollouts by them. The rules
// are the board's (board/lib/mqb_tags.py): what a hostile or buggy board sends beyond them is
// dropped here, so a status can never carry more than MAX_TAGS short, plain tags. Pure TypeScript.

export const MAX_TAGS = 8;
export const MAX_TAG_LENGTH = 24;
/** 1 to 24 characters of A-Z a-z 0-9 - _ . (case matters, as on the board). */
export const TAG = /^[A-Za-z0-9_.-]{1,24}$/;
export const TAG_RULE = `1-${MAX_TAG_LENGTH} characters of A-Z a-z 0-9 - _ .`;

/** The tags of a status: only valid ones, no duplicates, at most MAX_TAGS; anything else gives []. */
export function statusTags(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const t of v.slice(0, 64)) {
    if (typeof t === 'string' && TAG.test(t) && !out.includes(t)) out.push(t);
    if (out.length === MAX_TAGS) break;
  }
  return out;
}

export class TagError extends Error {
  override name = 'TagError';
}

/** `kitchen,battery` (what a user types) → tags; throws TagError naming the first bad one. */
export function parseTagList(text: string): string[] {
  const tags = text.split(',').map((t) => t.trim()).filter((t) => t !== '');
  if (tags.length === 0) throw new TagError(`no tag in "${text}": give tags separated by commas, e.g. kitchen,battery`);
  for (const t of tags) if (!TAG.test(t)) throw new TagError(`bad tag "${t}": ${TAG_RULE}`);
  return [...new Set(tags)];
}

/** True when the board has every one of the tags (none asked: true). */
export function hasTags(boardTags: readonly string[] | undefined, wanted: readonly string[]): boolean {
  return wanted.every((t) => boardTags?.includes(t) === true);
}
