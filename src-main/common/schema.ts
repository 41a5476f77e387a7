// A tiny validator for the messages that cross the UI boundary (Electron IPC, the web mode's
// WebSocket). Everything arriving from the renderer or a browser is untrusted: each message is
// checked against its schema before anything runs, with size limits on every string, array and
// byte buffer. The TypeScript types of the contract are inferred from the same schemas, so the
// types and the runtime checks cannot drift apart. Pure TypeScript.

export interface Schema<T> {
  readonly kind: string;
  /** The first problem found, as "<path>: <what is wrong>", or undefined when the value fits. */
  check(value: unknown, path: string): string | undefined;
  /** Phantom: carries the inferred type, never set. */
  readonly __type?: T;
}

export interface OptionalSchema<T> extends Schema<T | undefined> {
  readonly optional: true;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

type Fields = Record<string, Schema<unknown>>;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends OptionalSchema<unknown> ? K : never }[keyof F];
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ObjectOf<F extends Fields> = Simplify<
  { [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]> } & { [K in OptionalKeys<F>]?: Exclude<Infer<F[K]>, undefined> }
>;

/** Default limits: generous for a console, small enough that one message cannot exhaust memory. */
export const LIMITS = {
  string: 4096,
  array: 10_000,
  bytes: 16 * 1024 * 1024,
} as const;

const where = (path: string) => path || 'value';
const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (isBytes(v)) return 'bytes';
  return typeof v === 'object' ? 'an object' : `${typeof v}`;
};

function isBytes(v: unknown): v is Uint8Array {
  // Across realms (IPC, workers) instanceof may fail; the tag does not.
  return v instanceof Uint8Array || Object.prototype.toString.call(v) === '[object Uint8Array]';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || isBytes(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

export interface StringOptions {
  /** Minimum length (default 0). */
  min?: number;
  /** Maximum length in UTF-16 code units (default LIMITS.string). */
  max?: number;
  pattern?: RegExp;
  /** What the pattern means, for the error message ("letters, digits, - and _"). */
  patternHint?: string;
  /** Extra rule: returns what is wrong, or undefined. */
  refine?: (s: string) => string | undefined;
}

function string(opts: StringOptions = {}): Schema<string> {
  const max = opts.max ?? LIMITS.string;
  const min = opts.min ?? 0;
  return {
    kind: 'string',
    check(v, path) {
      if (typeof v !== 'string') return `${where(path)}: expected a string, got ${describe(v)}`;
      if (v.length > max) return `${where(path)}: too long (${v.length} characters, at most ${max})`;
      if (v.length < min) return min === 1 ? `${where(path)}: must not be empty` : `${where(path)}: too short (at least ${min} characters)`;
      if (opts.pattern && !opts.pattern.test(v)) return `${where(path)}: must be ${opts.patternHint ?? `like ${opts.pattern.source}`}`;
      const problem = opts.refine?.(v);
      return problem === undefined ? undefined : `${where(path)}: ${problem}`;
    },
  };
}

export interface NumberOptions {
  min?: number;
  max?: number;
  integer?: boolean;
}

function number(opts: NumberOptions = {}): Schema<number> {
  return {
    kind: 'number',
    check(v, path) {
      if (typeof v !== 'number' || !Number.isFinite(v)) return `${where(path)}: expected a finite number, got ${describe(v)}`;
      if (opts.integer && !Number.isInteger(v)) return `${where(path)}: expected a whole number, got ${v}`;
      if (opts.min !== undefined && v < opts.min) return `${where(path)}: must be at least ${opts.min} (got ${v})`;
      if (opts.max !== undefined && v > opts.max) return `${where(path)}: must be at most ${opts.max} (got ${v})`;
      return undefined;
    },
  };
}

function boolean(): Schema<boolean> {
  return { kind: 'boolean', check: (v, path) => (typeof v === 'boolean' ? undefined : `${where(path)}: expected true or false, got ${describe(v)}`) };
}

function literal<const T extends string | number | boolean>(value: T): Schema<T> {
  return { kind: 'literal', check: (v, path) => (v === value ? undefined : `${where(path)}: must be ${JSON.stringify(value)}`) };
}

function enumOf<const T extends readonly string[]>(values: T): Schema<T[number]> {
  const allowed = new Set<unknown>(values);
  return {
    kind: 'enum',
    check: (v, path) => (allowed.has(v) ? undefined : `${where(path)}: must be one of ${values.map((x) => `"${x}"`).join(', ')}`),
  };
}

function bytes(opts: { max?: number } = {}): Schema<Uint8Array> {
  const max = opts.max ?? LIMITS.bytes;
  return {
    kind: 'bytes',
    check(v, path) {
      if (!isBytes(v)) return `${where(path)}: expected bytes, got ${describe(v)}`;
      return v.byteLength > max ? `${where(path)}: too large (${v.byteLength} bytes, at most ${max})` : undefined;
    },
  };
}

function array<T>(item: Schema<T>, opts: { max?: number; min?: number } = {}): Schema<T[]> {
  const max = opts.max ?? LIMITS.array;
  return {
    kind: 'array',
    check(v, path) {
      if (!Array.isArray(v)) return `${where(path)}: expected an array, got ${describe(v)}`;
      if (v.length > max) return `${where(path)}: too many items (${v.length}, at most ${max})`;
      if (opts.min !== undefined && v.length < opts.min) return `${where(path)}: needs at least ${opts.min} item${opts.min === 1 ? '' : 's'}`;
      for (let i = 0; i < v.length; i++) {
        const problem = item.check(v[i], `${path}[${i}]`);
        if (problem) return problem;
      }
      return undefined;
    },
  };
}

/** An object with exactly these fields: unknown keys are refused (nothing unexpected slips through). */
function object<F extends Fields>(fields: F): Schema<ObjectOf<F>> {
  const keys = Object.keys(fields);
  return {
    kind: 'object',
    check(v, path) {
      if (!isPlainObject(v)) return `${where(path)}: expected an object, got ${describe(v)}`;
      for (const k of Object.keys(v)) {
        if (!Object.prototype.hasOwnProperty.call(fields, k)) return `${path ? `${path}.` : ''}${k}: unknown field`;
      }
      for (const k of keys) {
        const problem = fields[k]!.check(v[k], path ? `${path}.${k}` : k);
        if (problem) return problem;
      }
      return undefined;
    },
  };
}

/** An object used as a map (e.g. app name → version): keys checked by `key`, at most `max` entries. */
function record<T>(value: Schema<T>, opts: { key?: Schema<string>; max?: number } = {}): Schema<Record<string, T>> {
  const max = opts.max ?? LIMITS.array;
  const key = opts.key ?? string();
  return {
    kind: 'record',
    check(v, path) {
      if (!isPlainObject(v)) return `${where(path)}: expected an object, got ${describe(v)}`;
      const keys = Object.keys(v);
      if (keys.length > max) return `${where(path)}: too many entries (${keys.length}, at most ${max})`;
      for (const k of keys) {
        const shown = JSON.stringify(k.slice(0, 40));
        const bad = key.check(k, '');
        if (bad) return `${where(path)}: key ${shown}: ${bad.replace(/^value: /, '')}`;
        const problem = value.check(v[k], path ? `${path}.${k}` : k);
        if (problem) return problem;
      }
      return undefined;
    },
  };
}

function optional<T>(inner: Schema<T>): OptionalSchema<T> {
  return { kind: 'optional', optional: true, check: (v, path) => (v === undefined ? undefined : inner.check(v, path)) };
}

function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return { kind: 'nullable', check: (v, path) => (v === null ? undefined : inner.check(v, path)) };
}

/** One of several object shapes, told apart by the string field `tag` (e.g. `kind`). */
function union<const Tag extends string, const V extends Record<string, Schema<unknown>>>(tag: Tag, variants: V): Schema<Infer<V[keyof V]>> {
  const names = Object.keys(variants);
  return {
    kind: 'union',
    check(v, path) {
      if (!isPlainObject(v)) return `${where(path)}: expected an object, got ${describe(v)}`;
      const t = v[tag];
      const variant = typeof t === 'string' && Object.prototype.hasOwnProperty.call(variants, t) ? variants[t] : undefined;
      if (!variant) return `${path ? `${path}.` : ''}${tag}: must be one of ${names.map((x) => `"${x}"`).join(', ')}`;
      return variant.check(v, path);
    },
  };
}

/** The schema builders: `s.object({ id: s.string({ max: 64 }) })`. */
export const s = { string, number, boolean, literal, enum: enumOf, bytes, array, object, record, optional, nullable, union };

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Checks `value` against `schema`; on success the value is typed (it is not copied). */
export function validate<T>(schema: Schema<T>, value: unknown, path = ''): ValidationResult<T> {
  const error = schema.check(value, path);
  return error === undefined ? { ok: true, value: value as T } : { ok: false, error };
}
