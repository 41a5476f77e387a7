// Boards whose prefixes nest (esp32/kitchen and esp32/kitchen/fridge, sim and sim/sim-01). Our
// topics keep them apart, but a broker that confines each board with `pattern readwrite %u/#`
// lets the outer board command and read the inner one: the console warns about such pairs.
// Indexed by every ancestor of every prefix, so adding a board costs its number of levels.

const MAX_NAMED = 3;

function ancestors(prefix: string): string[] {
  const out: string[] = [];
  for (let i = prefix.indexOf('/'); i !== -1; i = prefix.indexOf('/', i + 1)) out.push(prefix.slice(0, i));
  return out;
}

const named = (list: string[]) =>
  list.slice(0, MAX_NAMED).map((p) => `"${p}"`).join(', ') + (list.length > MAX_NAMED ? ` and ${list.length - MAX_NAMED} more` : '');

export class PrefixNesting {
  private readonly boards = new Set<string>();
  /** ancestor prefix → the known boards below it. */
  private readonly below = new Map<string, Set<string>>();

  /** Adds a board; returns the other boards whose warning may have changed. */
  add(prefix: string): string[] {
    if (this.boards.has(prefix)) return [];
    this.boards.add(prefix);
    for (const a of ancestors(prefix)) {
      let set = this.below.get(a);
      if (!set) this.below.set(a, (set = new Set()));
      set.add(prefix);
    }
    return this.related(prefix);
  }

  /** Removes a board; returns the other boards whose warning may have changed. */
  remove(prefix: string): string[] {
    if (!this.boards.delete(prefix)) return [];
    for (const a of ancestors(prefix)) {
      const set = this.below.get(a);
      set?.delete(prefix);
      if (set?.size === 0) this.below.delete(a);
    }
    return this.related(prefix);
  }

  /** What the operator should know about this board's prefix, or undefined. */
  warning(prefix: string): string | undefined {
    const outer = ancestors(prefix).filter((a) => this.boards.has(a));
    const inner = [...(this.below.get(prefix) ?? [])].sort();
    if (!outer.length && !inner.length) return undefined;
    const parts = [
      ...(outer.length ? [`inside the prefix of ${named(outer)}`] : []),
      ...(inner.length ? [`holds the prefix of ${named(inner)}`] : []),
    ];
    return `nested prefix: ${parts.join('; ')}. A broker ACL of "%u/#" would let the outer board command the inner one: use per-topic rules (README, "The broker side")`;
  }

  private related(prefix: string): string[] {
    return [...ancestors(prefix).filter((a) => this.boards.has(a)), ...(this.below.get(prefix) ?? [])];
  }
}
