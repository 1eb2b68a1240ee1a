import { readFile } from "node:fs/promises"
import { Data, Duration, Effect, Either, ParseResult, Schema } from "effect"
import { LineCounter, parseDocument } from "yaml"
import { describe, duplicateNames, offsetOf, show } from "./sourcesIssues.js"

/**
 * The sources file: which job sources to crawl, how often and how gently. YAML, validated on load; every problem
 * is reported with the line and column of the node it is about, all of them at once, like a compiler.
 *
 * ```yaml
 * # defaults apply to every source unless the source overrides them
 * defaults:
 *   interval: 6h          # how often each source is crawled; jittered ±10% at run time
 *   rateLimit: { perMinute: 60 }   # per host
 * sources:
 *   - name: greenhouse-acme     # unique, [a-z0-9][a-z0-9._-]*, max 100 characters
 *     type: greenhouse          # one of `sourceTypes`
 *     board: acme               # the board at the source; see "Type-specific keys" below
 *     baseUrl: http://127.0.0.1:8788/replay/greenhouse   # optional http(s) URL: replaces the public API host
 *     query: data engineer      # adzuna, usajobs, hackernews only: search terms
 *     company: Acme Corporation # lever, ashby, workable only: the employer's name (their APIs give none)
 *     interval: 30m             # optional; an integer and s, m, h or d: 90s, 30m, 6h, 1d; from 1m to 7d
 *     rateLimit: { perMinute: 25, perDay: 250 }   # optional, positive integers; replaces the default whole
 *     credentials: { appId: "${ADZUNA_APP_ID}" }  # values MUST be ${VAR} references: a literal secret is an error
 *     urls: [https://example.com/careers]         # jsonld only: start pages (required unless sitemap is given)
 *     sitemap: https://example.com/sitemap.xml    # jsonld only, optional
 *     follow: ["https://example.com/careers/**"]  # jsonld only, optional globs of links to follow
 *     render: false             # jsonld only: true = render pages in a browser (JSON-LD added by script)
 *     enabled: true             # optional, default true
 * ```
 *
 * Type-specific keys (anywhere else they are an error, not silently ignored):
 * - `board`: required for greenhouse, lever, ashby, smartrecruiters, recruitee, workable (the board token) and
 *   adzuna (the country code, e.g. `gb`); optional for hackernews (a pinned thread id) and weworkremotely (the
 *   category slug, e.g. `remote-programming-jobs`); a numeric board is written quoted: `board: "42575537"`;
 * - `query`: adzuna, usajobs, hackernews; `baseUrl`: every type but jsonld;
 * - `company`: lever, ashby, workable, whose APIs name no employer (default: the board token);
 * - `credentials`: adzuna needs `appId` and `appKey`, usajobs `email` (the registered e-mail, sent as the
 *   User-Agent) and `apiKey`; no other names and no other types;
 * - `urls`, `sitemap`, `follow`, `render`: jsonld.
 *
 * `${VAR}` in any string value is replaced from the environment; a variable that is unset or empty is an error at
 * that value's line. Defaults, when neither the source nor the file's `defaults` say otherwise: interval 6h,
 * rateLimit 60 a minute, but 25 a minute and 250 a day for adzuna (its free tier) and 100 a minute for hackernews.
 */

export const sourceTypes = [
  "greenhouse", "lever", "ashby", "smartrecruiters", "recruitee", "workable",
  "remoteok", "weworkremotely", "hackernews", "adzuna", "usajobs", "jsonld"
] as const

export type SourceType = (typeof sourceTypes)[number]

/** One source as the crawler runs it: an entry of the file (`Entry`), validated, with its defaults applied. */
export interface SourceConfig
  extends Omit<Entry, "interval" | "rateLimit" | "credentials" | "urls" | "follow" | "render" | "enabled"> {
  readonly intervalMs: number
  readonly rateLimit: RateLimit
  /** Resolved from the environment, never a value written in the file; empty for the types that take none. */
  readonly credentials: Readonly<Record<string, string>>
  readonly urls: ReadonlyArray<string>
  readonly follow: ReadonlyArray<string>
  readonly render: boolean
  readonly enabled: boolean
}

export interface RateLimit {
  readonly perMinute: number
  readonly perDay?: number
}

/** One problem in the sources file; line and column are 1-based, and 0 when it is about the file as a whole. */
export interface SourceProblem {
  readonly line: number
  readonly column: number
  readonly message: string
}

type Env = Readonly<Record<string, string | undefined>>

/** The sources file cannot be used: every problem found, in file order, printed as `file:line:column: message`. */
export class SourcesError extends Data.TaggedError("SourcesError")<{
  readonly file: string
  readonly problems: ReadonlyArray<SourceProblem>
}> {
  override get message() {
    return this.problems
      .map((p) => (p.line > 0 ? `${this.file}:${p.line}:${p.column}: ${p.message}` : `${this.file}: ${p.message}`))
      .join("\n")
  }
}

/** A source name that the sources file does not define. */
export class UnknownSourceError extends Data.TaggedError("UnknownSourceError")<{
  readonly name: string
  readonly known: ReadonlyArray<string>
}> {
  override get message() {
    const known = this.known.length > 0 ? `the sources file defines: ${this.known.join(", ")}` : "it defines none"
    return `no source named "${this.name}"; ${known}`
  }
}

/** Reads and validates the sources file; a file that cannot be read fails with one problem at line 0. */
export const loadSources = (path: string, env: Env): Effect.Effect<ReadonlyArray<SourceConfig>, SourcesError> =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (cause) => new SourcesError({ file: path, problems: [{ line: 0, column: 0, message: unreadable(cause) }] })
  }).pipe(Effect.flatMap((text) => parseSources(text, path, env)))

/**
 * Validates a sources file's text. Pure. Right: every source, in file order, disabled ones included. Left: every
 * problem found, each at its node's line, except that YAML syntax errors are reported alone (the rest cannot be
 * trusted then) and an entry's type-specific checks (keys of other types, required board or credentials) run
 * once its keys are valid on their own.
 */
export const parseSources = (
  text: string,
  fileName: string,
  env: Env
): Either.Either<ReadonlyArray<SourceConfig>, SourcesError> => {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  const at = (offset: number, message: string): SourceProblem => {
    const { line, col } = lineCounter.linePos(offset)
    return { line: Math.max(line, 1), column: col, message }
  }
  const fail = (problems: ReadonlyArray<SourceProblem>) => {
    const sorted = [...problems].sort((a, b) => a.line - b.line || a.column - b.column)
    return Either.left(new SourcesError({ file: fileName, problems: sorted }))
  }
  if (doc.errors.length > 0) return fail(doc.errors.map((e) => at(e.pos[0], e.message)))

  const options = { errors: "all", onExcessProperty: "error" } as const
  const decoded = Schema.decodeUnknownEither(sourcesFile(env), options)(doc.toJS())
  const problems = [
    ...(Either.isLeft(decoded) ? ParseResult.ArrayFormatter.formatErrorSync(decoded.left) : []).map((issue) =>
      at(offsetOf(doc, issue), describe(issue))
    ),
    ...duplicateNames(doc).map(({ name, offset, first }) =>
      at(offset, `name: "${name}" is already used at line ${at(first, "").line}`)
    )
  ]
  if (Either.isLeft(decoded) || problems.length > 0) return fail(problems)
  return Either.right(decoded.right.sources.map((entry) => toConfig(entry, decoded.right.defaults)))
}

/** The source called `name`; fails with a message that lists the names the file defines. */
export const findSource = (
  sources: ReadonlyArray<SourceConfig>,
  name: string
): Either.Either<SourceConfig, UnknownSourceError> => {
  const found = sources.find((s) => s.name === name)
  return found ? Either.right(found) : Either.left(new UnknownSourceError({ name, known: sources.map((s) => s.name) }))
}

// ---------------------------------------------------------------------------------------------------------------
// The schema. Built per environment, because `${VAR}` resolution is part of decoding: a value is checked (URL,
// interval, ...) after its variables are replaced, and an unset variable is an issue at that value's path.

/** Types that list one board, named by `board`. */
const BOARD_TYPES: ReadonlyArray<SourceType> = [
  "greenhouse", "lever", "ashby", "smartrecruiters", "recruitee", "workable"
]
/** Keys that only some types take: key -> those types. */
const TYPE_KEYS: Readonly<Record<string, ReadonlyArray<SourceType>>> = {
  board: [...BOARD_TYPES, "adzuna", "hackernews", "weworkremotely"],
  query: ["adzuna", "usajobs", "hackernews"],
  company: ["lever", "ashby", "workable"],
  baseUrl: sourceTypes.filter((t) => t !== "jsonld"),
  credentials: ["adzuna", "usajobs"],
  urls: ["jsonld"],
  sitemap: ["jsonld"],
  follow: ["jsonld"],
  render: ["jsonld"]
}
/** Types whose `board` is required; the others that take one may leave it out. */
const BOARD_REQUIRED: ReadonlyArray<SourceType> = [...BOARD_TYPES, "adzuna"]
/** The credential names each type needs, all of them required; the types not listed take none. */
const CREDENTIALS: Partial<Record<SourceType, ReadonlyArray<string>>> = {
  adzuna: ["appId", "appKey"],
  usajobs: ["email", "apiKey"]
}

const DEFAULT_INTERVAL_MS = Duration.toMillis(Duration.hours(6))
const DEFAULT_RATE_LIMIT: RateLimit = { perMinute: 60 }
/** Limits the source's API publishes, used when neither the source nor the file's defaults set one. */
const TYPE_RATE_LIMITS: Partial<Record<SourceType, RateLimit>> = {
  adzuna: { perMinute: 25, perDay: 250 },
  hackernews: { perMinute: 100 }
}
const MIN_INTERVAL = Duration.minutes(1)
const MAX_INTERVAL = Duration.days(7)
const UNITS = { s: Duration.seconds, m: Duration.minutes, h: Duration.hours, d: Duration.days } as const

const VAR_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g
const ONLY_VAR_REF = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/
const NAME = /^[a-z0-9][a-z0-9._-]*$/
const INTERVAL = /^(\d+)([smhd])$/

const expected = (what: string) => ({
  message: (issue: ParseResult.ParseIssue) => `expected ${what}, got ${show(issue)}`
})
const Str = Schema.String.annotations(expected("a string"))
const Bool = Schema.Boolean.annotations(expected("true or false"))
const PositiveInt = Schema.Number.annotations(expected("a number")).pipe(
  Schema.filter((n) => Number.isInteger(n) && n > 0, expected("a positive integer"))
)
const mapping = <F extends Schema.Struct.Fields>(fields: F) => Schema.Struct(fields).annotations(expected("a mapping"))
const list = <S extends Schema.Schema.Any>(item: S) => Schema.Array(item).annotations(expected("a list"))
/** A key that may be left out, but not set to null: YAML's empty value is a type error like any other. */
const optional = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })
const RateLimitSchema = mapping({ perMinute: PositiveInt, perDay: optional(PositiveInt) })

const sourcesFile = (env: Env) => {
  const Text = Schema.transformOrFail(Str, Schema.String, {
    strict: true,
    decode: (value, _, ast) => {
      const unset = [...value.matchAll(VAR_REF)].map((m) => m[1] ?? "").filter((name) => !env[name])
      return unset.length > 0
        ? ParseResult.fail(new ParseResult.Type(ast, value, unsetMessage(unset, env)))
        : ParseResult.succeed(value.replace(VAR_REF, (_, name: string) => env[name] ?? ""))
    },
    encode: ParseResult.succeed
  })
  const Url = Text.pipe(Schema.filter(isHttpUrl, expected("an http(s) URL")))
  /** Decodes to milliseconds. */
  const Interval = Schema.transformOrFail(Text, Schema.Number, {
    strict: true,
    decode: (value, _, ast) => {
      const ms = intervalMs(value)
      const message = `expected a duration like 90s, 30m, 6h or 1d, from 1m to 7d, got ${JSON.stringify(value)}`
      return ms === undefined ? ParseResult.fail(new ParseResult.Type(ast, value, message)) : ParseResult.succeed(ms)
    },
    encode: (ms) => ParseResult.succeed(`${Math.round(ms / 1000)}s`)
  })
  const Type = Text.pipe(
    Schema.filter(isSourceType, {
      message: (issue) => `unknown source type ${show(issue)}; expected one of: ${sourceTypes.join(", ")}`
    })
  )
  const Name = Text.pipe(
    Schema.filter((s) => NAME.test(s) && s.length <= 100, {
      message: (issue) => `${show(issue)} is not a source name: [a-z0-9][a-z0-9._-]*, at most 100 characters`
    })
  )
  // Its messages never echo the value: it may be a secret.
  const Credential = Schema.compose(
    Schema.String.annotations({ message: () => "expected a ${VAR} reference" }).pipe(
      Schema.pattern(ONLY_VAR_REF, {
        message: () => "must be a ${VAR} reference to an environment variable: a literal secret in the file is an error"
      })
    ),
    Text
  )
  const NonEmpty = Text.pipe(Schema.filter((s) => s.trim() !== "", { message: () => "must not be empty" }))
  const Source = mapping({
    name: Name,
    type: Type,
    board: optional(NonEmpty),
    baseUrl: optional(Url),
    query: optional(Text),
    company: optional(NonEmpty),
    interval: optional(Interval),
    rateLimit: optional(RateLimitSchema),
    credentials: optional(Schema.Record({ key: Schema.String, value: Credential }).annotations(expected("a mapping"))),
    urls: optional(list(Url)),
    sitemap: optional(Url),
    follow: optional(list(NonEmpty)),
    render: optional(Bool),
    enabled: optional(Bool)
  }).pipe(Schema.filter(typeIssues))
  return mapping({
    defaults: optional(mapping({ interval: optional(Interval), rateLimit: optional(RateLimitSchema) })),
    sources: list(Source)
  })
}

/** A source entry as decoded: `${VAR}`s resolved, each key valid on its own, no defaults applied yet. */
interface Entry {
  readonly name: string
  readonly type: SourceType
  readonly board?: string
  readonly baseUrl?: string
  readonly query?: string
  readonly company?: string
  /** Milliseconds. */
  readonly interval?: number
  readonly rateLimit?: RateLimit
  readonly credentials?: Readonly<Record<string, string>>
  readonly urls?: ReadonlyArray<string>
  readonly sitemap?: string
  readonly follow?: ReadonlyArray<string>
  readonly render?: boolean
  readonly enabled?: boolean
}

/** What an entry of its type may not have or must have, beyond each key's own checks. */
const typeIssues = (entry: Entry): ReadonlyArray<Schema.FilterIssue> => {
  const { type } = entry
  return [
    ...Object.entries(TYPE_KEYS)
      .filter(([key, types]) => entry[key as keyof Entry] !== undefined && !types.includes(type))
      .map(([key, types]) => ({ path: [key], message: `${type} sources take no ${key} (only ${types.join(", ")})` })),
    ...(BOARD_REQUIRED.includes(type) && entry.board === undefined
      ? [{ path: ["board"], message: `required for ${type} sources` }]
      : []),
    ...(type === "jsonld" && (entry.urls ?? []).length === 0 && entry.sitemap === undefined
      ? [{ path: ["urls"], message: "required for jsonld sources unless a sitemap is given" }]
      : []),
    ...credentialIssues(entry)
  ]
}

/** Credentials on a type that takes none are reported by `typeIssues`, as a key of the wrong type. */
const credentialIssues = ({ type, credentials }: Entry): ReadonlyArray<Schema.FilterIssue> => {
  const needed = CREDENTIALS[type]
  if (needed === undefined) return []
  if (credentials === undefined) {
    return [{ path: ["credentials"], message: `required for ${type} sources: ${needed.join(", ")}` }]
  }
  const given = Object.keys(credentials)
  return [
    ...needed
      .filter((name) => !given.includes(name))
      .map((name) => ({ path: ["credentials", name], message: `required for ${type} sources` })),
    ...given
      .filter((name) => !needed.includes(name))
      .map((name) => ({ path: ["credentials", name], message: `unknown; ${type} takes ${needed.join(", ")}` }))
  ]
}

/** The file's `defaults`, as decoded: interval in milliseconds. */
interface Defaults {
  readonly interval?: number
  readonly rateLimit?: RateLimit
}

const toConfig = ({ interval, rateLimit, ...entry }: Entry, defaults: Defaults | undefined): SourceConfig => ({
  ...entry,
  intervalMs: interval ?? defaults?.interval ?? DEFAULT_INTERVAL_MS,
  rateLimit: rateLimit ?? defaults?.rateLimit ?? TYPE_RATE_LIMITS[entry.type] ?? DEFAULT_RATE_LIMIT,
  credentials: entry.credentials ?? {},
  urls: entry.urls ?? [],
  follow: entry.follow ?? [],
  render: entry.render ?? false,
  enabled: entry.enabled ?? true
})

// ---------------------------------------------------------------------------------------------------------------
// Pure helpers.

/** `90s`, `30m`, `6h`, `1d` -> milliseconds, when it is one of those and lies within [MIN_INTERVAL, MAX_INTERVAL]. */
const intervalMs = (text: string): number | undefined => {
  const [, amount, unit] = INTERVAL.exec(text) ?? []
  if (amount === undefined || unit === undefined) return undefined
  const duration = UNITS[unit as keyof typeof UNITS](Number(amount))
  return Duration.between(duration, { minimum: MIN_INTERVAL, maximum: MAX_INTERVAL })
    ? Duration.toMillis(duration)
    : undefined
}

const isSourceType = (text: string): text is SourceType => (sourceTypes as ReadonlyArray<string>).includes(text)

const isHttpUrl = (text: string): boolean => {
  try {
    const url = new URL(text)
    return url.protocol === "http:" || url.protocol === "https:"
  } catch {
    return false
  }
}

const unsetMessage = (names: ReadonlyArray<string>, env: Env): string =>
  names.map((name) => `environment variable ${name} is ${env[name] === undefined ? "not set" : "empty"}`).join("; ")

const unreadable = (cause: unknown): string => {
  if ((cause as { code?: unknown } | null)?.code === "ENOENT") return "file not found"
  return `cannot read the file: ${cause instanceof Error ? cause.message : String(cause)}`
}
