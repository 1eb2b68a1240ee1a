import { Either, ParseResult, Schema } from "effect"
import type { ApiPage, ApiRequest, BoardConfig } from "./SourceApi.js"

/**
 * What the source API parsers (`connectors/<type>/api.ts`) share: reading values of unknown shape, decoding
 * response bodies item by item, and error messages that are short, quote what was seen and carry no credential.
 * Pure functions; only `requireBoard` throws, and only on configuration.
 */

// ---------------------------------------------------------------------------------------------------------------
// Values

/** A non-blank string, trimmed, or a finite number written as a string; `undefined` for anything else. */
export const text = (value: unknown): string | undefined => {
  if (typeof value === "string") return value.trim() === "" ? undefined : value.trim()
  return typeof value === "number" && Number.isFinite(value) ? String(value) : undefined
}

/** A finite number above 0, also written as a numeric string (`"53000.0"`); `undefined` otherwise (0 included). */
export const positiveNumber = (value: unknown): number | undefined => {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : undefined
}

/** A place from its parts (city, region, country, ...): the non-blank ones trimmed and joined with ", "; `undefined` when none is. */
export const placeOf = (...parts: ReadonlyArray<unknown>): string | undefined =>
  parts.flatMap((p) => text(p) ?? []).join(", ") || undefined

/** The same record without its `undefined` entries (shallow), so that a missing field is absent. */
export const compact = <T extends object>(record: T): T =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T

/** True for an object that is neither null nor an array. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The value when it is an array, else an empty array. */
export const list = (value: unknown): ReadonlyArray<unknown> => (Array.isArray(value) ? value : [])

/** The value, trimmed, when it is an absolute http(s) URL; `undefined` otherwise. */
export const httpUrl = (value: unknown): string | undefined => {
  const s = text(value)
  if (s === undefined || !URL.canParse(s)) return undefined
  const { protocol } = new URL(s)
  return protocol === "https:" || protocol === "http:" ? s : undefined
}

/**
 * An epoch time above 0 (a number or numeric string, in seconds or milliseconds) as an ISO 8601 instant;
 * `undefined` for anything else, including times outside what `Date` can hold (where `toISOString` would throw).
 */
export const isoFromEpoch = (value: unknown, unit: "s" | "ms"): string | undefined => {
  const n = positiveNumber(value)
  const ms = n === undefined ? NaN : unit === "s" ? n * 1000 : n
  return ms <= 8.64e15 ? new Date(ms).toISOString() : undefined
}

const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" }

/**
 * Character references decoded in one pass (`&amp;lt;` gives `&lt;`, not `<`): the named `amp lt gt quot apos
 * nbsp`, and decimal and hex references to valid code points. Anything else is kept as written.
 */
export const decodeEntities = (content: string): string =>
  content.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] !== "#") return ENTITIES[name.toLowerCase()] ?? whole
    const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10)
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
  })

/** Text made safe to put in HTML element content: `&`, `<` and `>` escaped. */
export const escapeHtml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

// ---------------------------------------------------------------------------------------------------------------
// Bodies

/** A struct field that may be missing or null. */
export const Nullable = <A, I>(schema: Schema.Schema<A, I>) => Schema.optional(Schema.NullOr(schema))

/**
 * The body as JSON, or `the body is not JSON (reason); it starts with "…"`. Never throws. The reason is the
 * parser's, without the snippet of the body V8 puts in it: only the quoted start shows content, and it is clipped.
 */
export const parseJson = (body: string): Either.Either<unknown, string> => {
  try {
    return Either.right(JSON.parse(body) as unknown)
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/, (?:\.\.\.)?"[\s\S]*$/, "")
    return Either.left(`the body is not JSON (${reason}); it starts with ${quote(body)}`)
  }
}

/**
 * The body parsed and decoded with `schema` (reporting every wrong field), with the JSON as parsed for `payload`;
 * or what is wrong with it: `the body is not JSON (…)` or `the body is not {what} (issues)`, quoting its start.
 */
export const decodeBody = <A, I>(
  schema: Schema.Schema<A, I>,
  body: string,
  what: string
): Either.Either<{ readonly json: unknown; readonly value: A }, string> =>
  Either.flatMap(parseJson(body), (json) =>
    Schema.decodeUnknownEither(schema, { errors: "all" })(json).pipe(
      Either.map((value) => ({ json, value })),
      Either.mapLeft((e) => `the body is not ${what} (${issues(e)}); it starts with ${quote(body)}`)
    )
  )

/** Every wrong field as `path: message`; each message at most 120 characters and the whole at most 400. */
export const issues = (error: ParseResult.ParseError): string =>
  clip(
    ParseResult.ArrayFormatter.formatErrorSync(error)
      .map((issue) => `${issue.path.join(".") || "item"}: ${clip(issue.message, 120)}`)
      .join("; "),
    400
  )

/** An item of a list that decoded: what `decodeItems` returns for each good item. */
export interface Decoded<A> {
  /** The item as received: the posting's `payload`. */
  readonly item: unknown
  readonly value: A
}

/**
 * Each item of a list decoded on its own, so that a bad item costs only itself: the items that decode, in order,
 * and one error per other item, in order: `{where}: {noun} 2 of 5 (id "…") skipped: {issues}`.
 * `reject` gives the reason to skip an item that decodes (a rule the schema does not say), reported the same way.
 * Items for which `ignore` holds are left out without an error; positions still count them. `idKey` names the
 * id field (default `id`).
 */
export const decodeItems = <A, I>(
  schema: Schema.Schema<A, I>,
  items: ReadonlyArray<unknown>,
  options: {
    readonly where: string
    readonly noun: string
    readonly idKey?: string
    readonly ignore?: (item: unknown) => boolean
    readonly reject?: (value: A) => string | undefined
  }
): { readonly decoded: ReadonlyArray<Decoded<A>>; readonly errors: Array<string> } => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "all" })
  const decoded: Array<Decoded<A>> = []
  const errors: Array<string> = []
  items.forEach((item, i) => {
    if (options.ignore?.(item) === true) return
    const result = decode(item)
    const reason = Either.isLeft(result) ? issues(result.left) : options.reject?.(result.right)
    if (reason === undefined) decoded.push({ item, value: Either.getOrThrow(result) })
    else errors.push(`${options.where}: ${options.noun} ${i + 1} of ${items.length}${idHint(item, options.idKey)} skipped: ${reason}`)
  })
  return { decoded, errors }
}

// ---------------------------------------------------------------------------------------------------------------
// Messages

/** `s` when it has at most `max` characters, else its first `max` characters and `…`. */
export const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max)}…` : s)

/** Content to show in a message: white space folded to single spaces, trimmed, at most 80 characters (`clip`). */
export const excerpt = (content: unknown): string => clip(String(content).trim().replace(/\s+/g, " "), 80)

/** `excerpt` in double quotes, JSON-escaped, so that where it starts and ends shows. */
export const quote = (content: unknown): string => JSON.stringify(excerpt(content))

/** The item's `key` field (default `id`) as a string, when it is an object with one that is not null. */
export const idOf = (item: unknown, key = "id"): string | undefined => {
  if (typeof item !== "object" || item === null || !(key in item)) return undefined
  const id = (item as Record<string, unknown>)[key]
  return id == null ? undefined : String(id)
}

/** ` (id "…")` (or ` ({key} "…")`) for an item that has that field, else `""`: where an error names an item. */
export const idHint = (item: unknown, key = "id"): string => {
  const id = idOf(item, key)
  return id === undefined ? "" : ` (${key} ${quote(id)})`
}

/** What a value is, for a message: `null`, `undefined`, `an array`, `an object`, `a string`, `a number`, ... */
export const describe = (value: unknown): string =>
  value == null
    ? String(value)
    : Array.isArray(value)
      ? "an array"
      : typeof value === "object"
        ? "an object"
        : `a ${typeof value}`

/** A page with no postings and no follow-up requests, only this error. */
export const failed = (error: string): ApiPage => ({ postings: [], next: [], errors: [error] })

/** `{type}: {request url}`, the URL redacted: how an error about one response starts. */
export const where = (type: string, request: ApiRequest): string => `${type}: ${redactUrl(request.url)}`

// ---------------------------------------------------------------------------------------------------------------
// Configuration and URLs

/** `base` without its trailing slashes, then `path` (with a leading slash added when it has none). */
export const joinUrl = (base: string, path: string): string =>
  `${base.replace(/\/+$/, "")}${path === "" || path.startsWith("/") ? path : `/${path}`}`

/**
 * The board id (`board.board`, trimmed). Throws when it is missing or blank, naming the source and what the
 * source type calls its board (`board token`, `site name`, ...): that is configuration, not response content.
 */
export const requireBoard = (board: BoardConfig, type: string, what: string): string => {
  const id = board.board?.trim()
  if (id === undefined || id === "") throw new Error(`${type} source "${board.source}": no ${what} (set \`board\`)`)
  return id
}

/** Query parameters whose values are credentials; matched case-insensitively. */
export const SECRET_PARAMS: ReadonlyArray<string> = [
  "app_id", "app_key", "api_key", "apikey", "key", "token", "access_token", "client_secret"
]

const SECRET_PARAM = new RegExp(`([?&;](?:${SECRET_PARAMS.join("|")})=)[^&#\\s"'<>\\\\]+`, "gi")

/**
 * `url` with the value of every secret query parameter (`SECRET_PARAMS`, any case) replaced by `***`; the rest,
 * other parameters included, is unchanged. Also applies to URLs inside a longer text (an error message).
 */
export const redactUrl = (url: string): string => url.replace(SECRET_PARAM, "$1***")

/**
 * The page with every error message redacted: secret query parameters as in `redactUrl`, and every credential of
 * the board (and every secret parameter value of the request URL) replaced by `***` wherever it appears, so
 * that an error that quotes a body echoing the request cannot leak a key, not even the start of one cut off by
 * `clip`. Values under 4 characters are too short to search for and are left alone. Postings and follow-up requests are unchanged.
 */
export const redactErrors = (page: ApiPage, board: BoardConfig, request?: ApiRequest): ApiPage => {
  if (page.errors.length === 0) return page
  const fromUrl = [...(request?.url ?? "").matchAll(SECRET_PARAM)].map((m) => m[0].slice(m[1]!.length))
  const secrets = [...Object.values(board.credentials ?? {}), ...fromUrl]
    .flatMap((s) => [s.trim(), encodeURIComponent(s.trim()), safeDecode(s.trim())])
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length)
  // A message quotes at most 80 characters, so it may end (`…`) within a credential: its cut start goes too.
  const cut = (message: string, secret: string): string => {
    for (let n = secret.length - 1; n >= 4; n--) message = message.split(`${secret.slice(0, n)}…`).join("***…")
    return message
  }
  const redact = (message: string): string =>
    secrets.reduce((m, secret) => cut(m.split(secret).join("***"), secret), redactUrl(message))
  return { ...page, errors: page.errors.map(redact) }
}

const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "))
  } catch {
    return s
  }
}
