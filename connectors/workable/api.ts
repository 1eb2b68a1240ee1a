import { Either, ParseResult, Schema } from "effect"
import { HttpUrl } from "../../schemas/common.js"
import type { RawFields } from "../../schemas/RawPosting.js"
import type { ApiPosting, BoardConfig, SourceApi } from "../SourceApi.js"

/**
 * Workable's public widget API (what apply.workable.com career pages and embeds read; Workable documents only
 * its authenticated SPI v3): `GET {host}/api/v1/widget/accounts/{account}?details=true` lists every published
 * job with its HTML description. Pure: no I/O, never throws on a response body.
 *
 * Guarantees:
 * - a body that is not JSON, or has no `jobs` array, is one entry in `errors` and yields no postings;
 * - a job without a `shortcode` or a string `title`, without any of `url`, `shortlink`, `application_url` as an
 *   http(s) URL, or with a field of the wrong type, is skipped with one error naming it; the others are returned;
 * - `externalId` is the `shortcode` (Workable's stable job key); `url` the job page, else the short link, else the
 *   application form;
 * - locations are the job's `locations` that are not `hidden`, else its own city, state and country.
 */
export const workableApi: SourceApi = {
  type: "workable",
  listsWholeBoard: true,
  start: (board) => [
    {
      url: `${(board.baseUrl ?? PUBLIC_HOST).replace(/\/+$/, "")}/api/v1/widget/accounts/${encodeURIComponent(accountOf(board))}?details=true`,
      label: "list"
    }
  ],
  parse: (body, request, board) => {
    const account = decodeBody(Account, body)
    if (Either.isLeft(account)) return { postings: [], next: [], errors: [`workable: ${request.url}: ${account.left}`] }
    const items = account.right.jobs
    const postings: Array<ApiPosting> = []
    const errors: Array<string> = []
    items.forEach((item, i) => {
      const where = `workable: ${request.url}: job ${i + 1} of ${items.length}${shortcodeHint(item)} skipped`
      const job = Schema.decodeUnknownEither(Job, { errors: "all" })(item)
      if (Either.isLeft(job)) {
        errors.push(`${where}: ${issues(job.left)}`)
        return
      }
      const url = job.right.url ?? job.right.shortlink ?? job.right.application_url
      if (url == null) {
        errors.push(`${where}: it has no url, shortlink or application_url`)
        return
      }
      const company = text(account.right.name) ?? board.board
      postings.push({ externalId: job.right.shortcode, url, fields: fieldsOf(job.right, company), payload: item })
    })
    return { postings, next: [], errors }
  }
}

const PUBLIC_HOST = "https://apply.workable.com"

const accountOf = (board: BoardConfig): string => {
  const account = board.board?.trim()
  if (account === undefined || account === "") throw new Error(`workable source "${board.source}": no account (set \`board\`)`)
  return account
}

const Nullable = <A, I>(schema: Schema.Schema<A, I>) => Schema.optional(Schema.NullOr(schema))

const Location = Schema.Struct({
  city: Nullable(Schema.String),
  region: Nullable(Schema.String),
  country: Nullable(Schema.String),
  hidden: Nullable(Schema.Boolean)
})

const Job = Schema.Struct({
  shortcode: Schema.NonEmptyTrimmedString,
  title: Schema.String,
  url: Nullable(HttpUrl),
  shortlink: Nullable(HttpUrl),
  application_url: Nullable(HttpUrl),
  code: Nullable(Schema.String),
  employment_type: Nullable(Schema.String),
  telecommuting: Nullable(Schema.Boolean),
  published_on: Nullable(Schema.String),
  created_at: Nullable(Schema.String),
  city: Nullable(Schema.String),
  state: Nullable(Schema.String),
  country: Nullable(Schema.String),
  locations: Nullable(Schema.Array(Location)),
  description: Nullable(Schema.String)
})
type Job = typeof Job.Type

const Account = Schema.Struct({ name: Nullable(Schema.String), jobs: Schema.Array(Schema.Unknown) })

const fieldsOf = (job: Job, company: string | undefined): RawFields => {
  const listed = (job.locations ?? []).filter((l) => l.hidden !== true).map((l) => placeOf(l.city, l.region, l.country))
  const own = placeOf(job.city, job.state, job.country)
  const locations = [...new Set(listed.flatMap((l) => l ?? []))]
  const employment = text(job.employment_type)
  return compact({
    title: job.title,
    company,
    description: text(job.description),
    locations: locations.length > 0 ? locations : own === undefined ? undefined : [own],
    remote: job.telecommuting ?? undefined,
    employmentType: employment === undefined ? undefined : [employment],
    datePosted: text(job.published_on) ?? text(job.created_at),
    requisitionId: text(job.code)
  })
}

const placeOf = (...parts: ReadonlyArray<string | null | undefined>): string | undefined =>
  parts.flatMap((p) => text(p)?.trim() ?? []).join(", ") || undefined

// ---------------------------------------------------------------------------------------------------------------

const text = (value: string | null | undefined): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value : undefined

const compact = <T extends object>(record: T): T =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T

/** The body as JSON of the expected shape, or what is wrong with it, quoting its start. */
const decodeBody = <A, I>(schema: Schema.Schema<A, I>, body: string): Either.Either<A, string> => {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch (error) {
    return Either.left(`the body is not JSON (${error instanceof Error ? error.message : String(error)}); it starts with ${quote(body)}`)
  }
  return Schema.decodeUnknownEither(schema, { errors: "all" })(json).pipe(
    Either.mapLeft((e) => `the body is not an account's job list (${issues(e)}); it starts with ${quote(body)}`)
  )
}

/** Every wrong field; each message and the whole kept short, as `actual` can quote a large value. */
const issues = (error: ParseResult.ParseError): string =>
  clip(
    ParseResult.ArrayFormatter.formatErrorSync(error)
      .map((issue) => `${issue.path.join(".") || "item"}: ${clip(issue.message, 120)}`)
      .join("; "),
    400
  )

const shortcodeHint = (item: unknown): string =>
  typeof item === "object" && item !== null && "shortcode" in item ? ` (shortcode ${quote(String(item.shortcode))})` : ""

const quote = (content: string): string => JSON.stringify(clip(content.trim().replace(/\s+/g, " "), 80))

const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max)}…` : s)
