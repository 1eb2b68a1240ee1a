import { readdirSync } from "node:fs"
import { join } from "node:path"
import { Arbitrary, Effect, ManagedRuntime, Schema } from "effect"
import fc from "fast-check"
import type { FastifyInstance, InjectOptions } from "fastify"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { normalizePosting } from "../processors/normalize/posting.js"
import { JobsQuery } from "../schemas/Api.js"
import { ApplicationMove, ApplicationsQuery, FollowupSettings, NewApplication } from "../schemas/Application.js"
import { encode, Topics } from "../schemas/Envelope.js"
import { NotificationSettingsInput, NotificationsQuery } from "../schemas/Notification.js"
import { NewStaff, PendingReviewsQuery, TaskDecision } from "../schemas/Review.js"
import { MatchFeedback, NewSeeker, Preferences } from "../schemas/Seeker.js"
import { catalogue, KpiQuery } from "../sinks/kpiCatalogue.js"
import { postgresJobs } from "../sinks/postgresJobs.js"
import { makeApi } from "./api.js"
import { withServices } from "./ingest.js"
import { prepare } from "../stack/clients.js"
import { Staff } from "./Staff.js"
import { testConfig } from "./testing.js"
import { dropNamespace } from "../stack/testing.js"

/**
 * Client input never looks like an outage. Part one sends the bad input issue 11 measured (NUL bytes, impossible
 * dates, a hand-made cursor) and expects 400s that name the field and quote nothing of PostgreSQL. Part two fuzzes
 * every route's query string and body on the real stack, with a registered seeker's key, and expects no 500 or
 * 503: a fixed seed per route, printed with the shrunk request when a property fails.
 */

const config = testConfig()
const runtime = ManagedRuntime.make(withServices(config.layer))
const seed = 20_241_103
const runsPerRoute = 60

let api: FastifyInstance
let auth: Record<string, string>
let seekerId: string
let applicationId: string
let jobId: string
/** Staff keys, made before the API could make any (only an ops key creates staff). */
const staff = { ops: {} as Record<string, string>, reviewer: {} as Record<string, string>, reviewerId: "" }

/** PostgreSQL's wording, and SQL: none of it may reach a client. */
const leaks = /SELECT|INSERT|UPDATE|syntax|invalid input|PostgreSQL .* failed|out of range|byte sequence|Unicode escape|22P0|22008|22021/i

beforeAll(async () => {
  await runtime.runPromise(prepare)
  // One job, normalized and written by the sink stage, so applications have something to point at.
  const job = normalizePosting(
    {
      source: "fuzz-careers",
      sourceType: "jsonld",
      externalId: "FUZZ-1",
      url: "https://careers.example.org/jobs/fuzz-1",
      fetchedAt: "2024-06-01T12:00:00.000Z",
      contentHash: "f".repeat(64),
      fields: { title: "Data Engineer", company: "Fuzz Analytics", description: "<p>Spark and SQL.</p>", datePosted: "2024-05-30" },
      payload: {}
    },
    new Date("2024-06-01T12:00:00.000Z")
  ).pipe((result) => (result._tag === "Right" ? result.right : expect.unreachable(result.left.reason)))
  jobId = job.jobId
  await runtime.runPromise(postgresJobs.handle([{ ...encode(Topics.unique, job), partition: 0, offset: 0, timestamp: undefined }]))

  const [ops, reviewer] = await runtime.runPromise(
    Effect.flatMap(Staff, (s) => Effect.all([s.create({ name: "Fuzz Ops", role: "ops" }), s.create({ name: "Fuzz Reviewer", role: "reviewer" })]))
  )
  staff.ops = { authorization: `Bearer ${ops.apiKey}` }
  staff.reviewer = { authorization: `Bearer ${reviewer.apiKey}` }
  staff.reviewerId = reviewer.staffId

  api = makeApi(await runtime.runtime())
  const created = await api.inject({ method: "POST", url: "/seekers", payload: { name: "Fuzz Seeker" } })
  expect(created.statusCode).toBe(201)
  const body = created.json() as { seekerId: string; apiKey: string }
  seekerId = body.seekerId
  auth = { authorization: `Bearer ${body.apiKey}` }
  const applied = await api.inject({ method: "POST", url: "/seekers/me/applications", headers: auth, payload: { jobId } })
  expect(applied.statusCode).toBe(201)
  applicationId = (applied.json() as { application: { applicationId: string } }).application.applicationId
})

afterAll(async () => {
  await api?.close()
  await runtime.runPromise(dropNamespace)
  await runtime.dispose()
})

const send = (options: InjectOptions) => api.inject({ ...options, headers: { ...auth, ...options.headers } })

const base64url = (json: string) => Buffer.from(json).toString("base64url")

describe("the bad input issue 11 measured: 400 naming the field, nothing of PostgreSQL", () => {
  const cases: ReadonlyArray<readonly [string, () => InjectOptions, RegExp]> = [
    ["NUL in a name", () => ({ method: "POST", url: "/seekers", payload: { name: "Ma\u0000ya" } }), /name/],
    ["NUL in an email", () => ({ method: "POST", url: "/seekers", payload: { name: "Maya", email: "maya\u0000@example.com" } }), /email/],
    [
      "NUL in a resume's filename",
      () => ({ method: "POST", url: "/seekers/me/resumes?filename=cv%00.txt", headers: { "content-type": "text/plain" }, payload: "Python, SQL" }),
      /filename/
    ],
    [
      "NUL in a preference",
      () => ({ method: "PUT", url: "/seekers/me/preferences", payload: { targetTitles: ["Data\u0000 Engineer"] } }),
      /targetTitles/
    ],
    ["NUL in a query parameter of /jobs", () => ({ method: "GET", url: "/jobs?company=Acme%00" }), /company/],
    ["NUL in a query parameter of /jobs/search", () => ({ method: "GET", url: "/jobs/search?q=spark%00" }), /q/],
    ["NUL in a query parameter of /reviews/pending", () => ({ method: "GET", url: "/reviews/pending?source=a%00b", headers: staff.ops }), /source/],
    ["NUL in a note", () => ({ method: "POST", url: "/seekers/me/applications", payload: { jobId, note: "\u0000" } }), /note/],
    ["NUL in an application id", () => ({ method: "GET", url: "/seekers/me/applications/%00" }), /applicationId/],
    ["an unpaired surrogate in a name", () => ({ method: "POST", url: "/seekers", payload: { name: "Maya \ud800" } }), /name/],
    ["postedSince=2024-02-30", () => ({ method: "GET", url: "/jobs?postedSince=2024-02-30" }), /postedSince/],
    ["postedSince=0000-01-01", () => ({ method: "GET", url: "/jobs?postedSince=0000-01-01" }), /postedSince/],
    [
      "a hand-made cursor dated 2024-02-30",
      () => ({ method: "GET", url: `/jobs?cursor=${base64url(JSON.stringify({ date: "2024-02-30", id: "0".repeat(32) }))}` }),
      /cursor/
    ],
    ["a cursor that is not base64url JSON", () => ({ method: "GET", url: "/jobs?cursor=%%%" }), /cursor/],
    ["a number where a name is expected", () => ({ method: "POST", url: "/seekers", payload: { name: 42 } }), /name/],
    ["an array where a note is expected", () => ({ method: "POST", url: "/seekers/me/applications", payload: { jobId, note: ["x"] } }), /note/],
    [
      "a salary floor of 1e999 (Infinity once parsed)",
      () => ({
        method: "PUT",
        url: "/seekers/me/preferences",
        headers: { "content-type": "application/json" },
        payload: '{"salaryFloor":{"amount":1e999,"currency":"USD","period":"YEAR"}}'
      }),
      /amount/
    ]
  ]

  it.each(cases)("%s", async (_name, request, field) => {
    const response = await send(request())
    expect(response.statusCode).toBe(400)
    expect(response.json().message).toMatch(field)
    expect(response.body).not.toMatch(leaks)
  })

  it("still accepts a leap day", async () => {
    const response = await send({ method: "GET", url: "/jobs?postedSince=2024-02-29" })
    expect(response.statusCode).toBe(200)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// The fuzz

/** Percent-encodes every byte but the unreserved ones, so any string (NUL included) can travel in a URL. */
const percent = (s: string) =>
  [...Buffer.from(s, "utf8")]
    .map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, "0")}`))
    .join("")

/** Strings meant to break things: NUL, unpaired surrogates, any script, huge, impossible dates, odd numbers. */
const nasty = fc.oneof(
  fc.string(),
  fc.fullUnicodeString({ maxLength: 40 }),
  fc.string16bits({ maxLength: 40 }),
  fc.string({ maxLength: 20 }).map((s) => `${s}\u0000${s}`),
  fc.integer({ min: 1_000, max: 20_000 }).map((n) => "x".repeat(n)),
  fc.constantFrom(
    "", " ", "0", "1", "20", "100", "-1", "1.5", "1e3", "1e999", "-1e999", "NaN", "Infinity", "-0", "0x10", " 5",
    "true", "false", "1", "yes", "null", "open", "closed", "all", "auto_approve", "manual_review", "reject", "saved",
    "applied", "interview", "FULL_TIME", "remote_only", "2024-02-29", "2024-02-30", "0000-01-01", "9999-12-31",
    "2024-06-01T12:00:00Z", "2024-06-01T25:00", "2025-06-01T12:30:00.000+02:00", "demo-careers", "a'b", "%", "_",
    "\\", "' OR 1=1 --", "<script>", "😀", "\ud800", "\u0000"
  ),
  fc.record({ date: fc.oneof(fc.constantFrom("2024-02-30", "2024-02-29", "0000-01-01", "99999-01-01"), fc.string()), id: fc.string() })
    .map((c) => base64url(JSON.stringify(c)))
)

/** A URL-encoded value: any string encoded, or a malformed or truncated escape. */
const encodedValue = fc.oneof(
  { weight: 9, arbitrary: nasty.map(percent) },
  { weight: 1, arbitrary: fc.constantFrom("%00", "%ED%A0%80", "%FF", "%", "%zz", "a%00b", "%C0%80") }
)

/** A query string over the route's own keys (and some others), a key sometimes repeated. */
const queryOf = (keys: ReadonlyArray<string>) =>
  fc
    .array(fc.tuple(keys.length > 0 ? fc.oneof(fc.constantFrom(...keys), nasty) : nasty, encodedValue), { maxLength: 5 })
    .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${percent(k)}=${v}`).join("&")}`))

/** JSON where a field of any type may go: anything JSON holds, and the nasty strings. */
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 2 }), nasty, fc.array(nasty, { maxLength: 3 }))

/** Raw JSON texts a JSON encoder would never write: Infinity-sized numbers, escapes of NUL and surrogates, junk. */
const rawJsonToken = fc.constantFrom("1e999", "-1e999", '"\\u0000"', '"a\\u0000b"', '"\\ud800"', "-0", "1.0e2", "[]", "{}", "null")

/**
 * Bodies for a route that takes `schema`: valid ones (from the schema's own arbitrary), valid ones with a NUL
 * slipped into one field or with one field replaced by anything, raw JSON texts with tokens no encoder writes,
 * and anything at all, as JSON or as another media type.
 */
const bodyOf = (schema: Schema.Schema.AnyNoContext): fc.Arbitrary<Pick<InjectOptions, "payload" | "headers">> => {
  const valid = Arbitrary.make(schema).map((value) => Schema.encodeSync(schema)(value) as Record<string, unknown>)
  const keys = fieldsOf(schema)
  const key = fc.oneof(fc.constantFrom(...keys), nasty)
  const json = { "content-type": "application/json" }
  return fc.oneof(
    valid.map((payload) => ({ payload })),
    fc.tuple(valid, fc.constantFrom(...keys)).map(([v, k]) => ({ payload: { ...v, [k]: withNul(v[k]) } })),
    fc.tuple(valid, key, anyJson).map(([v, k, x]) => ({ payload: { ...v, [k]: x } })),
    fc.tuple(valid, key, rawJsonToken).map(([v, k, token]) => ({
      headers: json,
      payload: JSON.stringify({ ...v, [k]: "\u0001" }).replace('"\\u0001"', token)
    })),
    anyJson.map((payload) => ({ headers: json, payload: JSON.stringify(payload) })),
    fc.constantFrom("", "{", "[".repeat(5_000), '{"a":1,}', "\u0000").map((payload) => ({ headers: json, payload })),
    fc.tuple(fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "application/xml"), nasty).map(([type, payload]) => ({
      headers: { "content-type": type },
      payload
    }))
  )
}

/** The value with a NUL in every string it holds (a lone NUL where it holds none). */
const withNul = (value: unknown): unknown =>
  typeof value === "string"
    ? `${value}\u0000`
    : Array.isArray(value)
      ? value.length === 0
        ? ["\u0000"]
        : value.map(withNul)
      : typeof value === "object" && value !== null
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withNul(v)]))
        : "\u0000"

const fieldsOf = (schema: Schema.Schema.AnyNoContext): Array<string> => {
  const fields = (schema as unknown as { fields?: Record<string, unknown> }).fields
  return fields === undefined ? ["x"] : Object.keys(fields)
}

const resumeBody = fc.oneof(
  nasty.map((payload) => ({ headers: { "content-type": "text/plain" }, payload })),
  fc.uint8Array({ maxLength: 400 }).map((bytes) => ({ headers: { "content-type": "application/pdf" }, payload: Buffer.from(bytes) })),
  fc.constant({ headers: { "content-type": "application/pdf" }, payload: Buffer.from("%PDF-1.4\n%%EOF") })
)

/** A path parameter: the real one, another plausible one, or anything at all. */
const param = (real: () => string, plausible: fc.Arbitrary<string>) =>
  fc.oneof(fc.constant(null).map(real), plausible, encodedValue)

interface RouteFuzz {
  readonly method: "GET" | "POST" | "PUT" | "DELETE"
  readonly path: string
  readonly url: fc.Arbitrary<string>
  readonly query: ReadonlyArray<string>
  readonly body?: fc.Arbitrary<Pick<InjectOptions, "payload" | "headers">>
}

const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/)
/** `:seekerId`: `me`, the seeker's own id, someone else's, or anything at all. */
const me = param(() => "me", fc.constantFrom("own", "someone-else")).map((id) => (id === "own" ? seekerId : id))

/** The dashboard page's ES modules, each its own route. */
const dashboardModules = readdirSync(join(import.meta.dirname, "..", "dashboards", "web"))
  .filter((file) => file.endsWith(".js"))
  .map((file) => `/dashboard/${file}`)

/** A staff key's headers, read when a request is made (the keys exist only once `beforeAll` ran). */
const as = (role: "ops" | "reviewer") => fc.constant(null).map(() => ({ headers: staff[role] }))
/** A body for a staff route, sent with that role's key. */
const staffBody = (role: "ops" | "reviewer", schema: Schema.Schema.AnyNoContext) =>
  bodyOf(schema).map((body) => ({ ...body, headers: { ...body.headers, ...staff[role] } }))
const staffId = param(() => staff.reviewerId, fc.uuid().map((id) => `st_${id}`))

/** Every route but `/healthz`, `/readyz` and `/livez`, whose 503 when a dependency is down is their contract. */
const routes: ReadonlyArray<RouteFuzz> = [
  { method: "GET", path: "/jobs", url: fc.constant("/jobs"), query: fieldsOf(JobsQuery) },
  { method: "GET", path: "/openapi.json", url: fc.constant("/openapi.json"), query: [] },
  { method: "GET", path: "/jobs/search", url: fc.constant("/jobs/search"), query: ["q", "limit"] },
  { method: "GET", path: "/jobs/:jobId", url: param(() => jobId, hex32).map((id) => `/jobs/${id}`), query: [] },
  { method: "POST", path: "/seekers", url: fc.constant("/seekers"), query: [], body: bodyOf(NewSeeker) },
  { method: "GET", path: "/seekers/:seekerId", url: me.map((id) => `/seekers/${id}`), query: [] },
  {
    method: "POST",
    path: "/seekers/:seekerId/resumes",
    url: me.map((id) => `/seekers/${id}/resumes`),
    query: ["primary", "filename"],
    body: resumeBody
  },
  {
    method: "PUT",
    path: "/seekers/:seekerId/preferences",
    url: me.map((id) => `/seekers/${id}/preferences`),
    query: [],
    body: bodyOf(Preferences)
  },
  {
    method: "GET",
    path: "/seekers/:seekerId/matches",
    url: me.map((id) => `/seekers/${id}/matches`),
    query: ["decision", "minScore", "limit", "offset"]
  },
  { method: "GET", path: "/seekers/:seekerId/gaps", url: me.map((id) => `/seekers/${id}/gaps`), query: ["limit"] },
  {
    method: "PUT",
    path: "/seekers/:seekerId/matches/:jobId/feedback",
    url: fc.tuple(me, param(() => jobId, hex32)).map(([seeker, job]) => `/seekers/${seeker}/matches/${job}/feedback`),
    query: [],
    body: bodyOf(MatchFeedback)
  },
  {
    method: "GET",
    path: "/seekers/:seekerId/matches/:jobId/drafts",
    url: fc.tuple(me, param(() => jobId, hex32)).map(([seeker, job]) => `/seekers/${seeker}/matches/${job}/drafts`),
    query: []
  },
  {
    method: "POST",
    path: "/seekers/:seekerId/applications",
    url: me.map((id) => `/seekers/${id}/applications`),
    query: [],
    body: fc.oneof(bodyOf(NewApplication), fc.constantFrom("saved", "applied", "offer").map((status) => ({ payload: { jobId, status } })))
  },
  {
    method: "GET",
    path: "/seekers/:seekerId/applications",
    url: me.map((id) => `/seekers/${id}/applications`),
    query: fieldsOf(ApplicationsQuery)
  },
  ...(["", "/history"] as const).map(
    (tail): RouteFuzz => ({
      method: "GET",
      path: `/seekers/:seekerId/applications/:applicationId${tail}`,
      url: fc
        .tuple(me, param(() => applicationId, fc.uuid()))
        .map(([id, application]) => `/seekers/${id}/applications/${application}${tail}`),
      query: []
    })
  ),
  {
    method: "POST",
    path: "/seekers/:seekerId/applications/:applicationId/moves",
    url: fc.tuple(me, param(() => applicationId, fc.uuid())).map(([id, application]) => `/seekers/${id}/applications/${application}/moves`),
    query: [],
    body: bodyOf(ApplicationMove)
  },
  { method: "GET", path: "/seekers/:seekerId/followups", url: me.map((id) => `/seekers/${id}/followups`), query: [] },
  {
    method: "GET",
    path: "/seekers/:seekerId/followups/settings",
    url: me.map((id) => `/seekers/${id}/followups/settings`),
    query: []
  },
  {
    method: "PUT",
    path: "/seekers/:seekerId/followups/settings",
    url: me.map((id) => `/seekers/${id}/followups/settings`),
    query: [],
    body: bodyOf(FollowupSettings)
  },
  {
    method: "GET",
    path: "/seekers/:seekerId/notifications",
    url: me.map((id) => `/seekers/${id}/notifications`),
    query: fieldsOf(NotificationsQuery)
  },
  {
    method: "GET",
    path: "/seekers/:seekerId/notifications/settings",
    url: me.map((id) => `/seekers/${id}/notifications/settings`),
    query: []
  },
  {
    method: "PUT",
    path: "/seekers/:seekerId/notifications/settings",
    url: me.map((id) => `/seekers/${id}/notifications/settings`),
    query: [],
    body: bodyOf(NotificationSettingsInput)
  },
  { method: "GET", path: "/kpis", url: fc.constant("/kpis"), query: [], body: as("reviewer") },
  {
    method: "GET",
    path: "/kpis/:name",
    url: param(() => "funnel", fc.constantFrom(...catalogue.map((k) => k.name))).map((name) => `/kpis/${name}`),
    query: fieldsOf(KpiQuery),
    body: as("ops")
  },
  { method: "GET", path: "/metrics", url: fc.constant("/metrics"), query: [], body: as("ops") },
  { method: "GET", path: "/reviews/pending", url: fc.constant("/reviews/pending"), query: fieldsOf(PendingReviewsQuery), body: as("ops") },
  { method: "POST", path: "/staff", url: fc.constant("/staff"), query: [], body: staffBody("ops", NewStaff) },
  { method: "GET", path: "/staff", url: fc.constant("/staff"), query: [], body: as("ops") },
  { method: "GET", path: "/staff/audit", url: fc.constant("/staff/audit"), query: ["staffId", "limit"], body: as("ops") },
  { method: "POST", path: "/staff/:staffId/key", url: staffId.map((id) => `/staff/${id}/key`), query: [], body: as("ops") },
  { method: "DELETE", path: "/staff/:staffId/key", url: staffId.map((id) => `/staff/${id}/key`), query: [], body: as("ops") },
  { method: "POST", path: "/staff/:staffId/unlock", url: staffId.map((id) => `/staff/${id}/unlock`), query: [], body: as("ops") },
  { method: "GET", path: "/desk/tasks", url: fc.constant("/desk/tasks"), query: [], body: as("reviewer") },
  { method: "GET", path: "/desk/mine", url: fc.constant("/desk/mine"), query: [] },
  {
    method: "POST",
    path: "/desk/tasks/:taskId/decision",
    url: param(() => `m_${"0".repeat(32)}`, hex32.map((h) => `m_${h}`)).map((id) => `/desk/tasks/${id}/decision`),
    query: [],
    body: staffBody("reviewer", TaskDecision)
  },
  { method: "GET", path: "/desk/resumes/:resumeId", url: param(() => "res-none", fc.uuid()).map((id) => `/desk/resumes/${id}`), query: [], body: as("reviewer") },
  { method: "GET", path: "/desk/status", url: fc.constant("/desk/status"), query: [], body: as("ops") },
  {
    method: "GET",
    path: "/desk/seekers/:seekerId/contact",
    url: param(() => "none", fc.string({ maxLength: 120 }).map(encodeURIComponent)).map((id) => `/desk/seekers/${id}/contact`),
    query: [],
    body: as("reviewer")
  },
  {
    method: "GET",
    path: "/desk/seekers/:seekerId/jobs/:jobId/drafts",
    url: fc
      .tuple(param(() => "none", fc.string({ maxLength: 120 }).map(encodeURIComponent)), param(() => jobId, fc.string({ maxLength: 40 }).map(encodeURIComponent)))
      .map(([seeker, job]) => `/desk/seekers/${seeker}/jobs/${job}/drafts`),
    query: [],
    body: as("reviewer")
  },
  { method: "GET", path: "/seekers/:seekerId/export", url: me.map((id) => `/seekers/${id}/export`), query: [] },
  ...["/dashboard", "/dashboard/", "/desk", ...dashboardModules, "/dashboard/style.css", "/dashboard/vendor/chart.umd.min.js"].map(
    (path): RouteFuzz => ({ method: "GET", path, url: fc.constant(path), query: [] })
  ),
  // Last: they may replace the fuzz's seeker's key or erase the seeker, after which their routes answer 401.
  { method: "POST", path: "/seekers/:seekerId/key", url: me.map((id) => `/seekers/${id}/key`), query: [] },
  { method: "DELETE", path: "/seekers/:seekerId", url: me.map((id) => `/seekers/${id}`), query: [] }
]

/** Every method and path the app serves, read from fastify's own route tree (HEAD aside: fastify adds it). */
const servedRoutes = (app: FastifyInstance): Array<string> => {
  const prefixes: Array<string> = []
  const out: Array<string> = []
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line)
    if (match === null) continue
    const depth = match[1]!.length / 4
    prefixes.length = depth
    const path = (prefixes[depth - 1] ?? "") + match[2]!
    prefixes.push(path)
    for (const method of (match[3] ?? "").split(", ").filter((m) => m !== "" && m !== "HEAD")) out.push(`${method} ${path}`)
  }
  return out
}

describe(`a bounded fuzz of every route (${runsPerRoute} requests each, seed ${seed})`, () => {
  it("covers every route the API serves", () => {
    const served = servedRoutes(api)
    expect(served).toEqual(expect.arrayContaining(["GET /jobs/:jobId", "POST /seekers/:seekerId/applications/:applicationId/moves"]))
    const fuzzed = new Set(routes.map((r) => `${r.method} ${r.path}`))
    // The desk's WebSockets take no HTTP request but the upgrade: the desk tests drive them. A seeker's notification
    // stream answers for as long as it is open (notifications.test.ts drives it). The documentation's page and
    // files are @fastify/swagger-ui's (openapi.test.ts reads them).
    expect(
      served.filter(
        (r) => !fuzzed.has(r) && !/^GET \/(healthz|readyz|livez|desk\/ws|desk\/ops\/ws|seekers\/:seekerId\/notifications\/stream|docs(\/.*)?)$/.test(r)
      )
    ).toEqual([])
  })

  it.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    "%s never answers 500 or 503, nor quotes PostgreSQL",
    async (_name, route) => {
      const request = fc.record({ url: route.url, query: queryOf(route.query), body: route.body ?? fc.constant({}) })
      await fc.assert(
        fc.asyncProperty(request, async ({ url, query, body }) => {
          const response = await send({ method: route.method, url: `${url}${query}`, ...body })
          expect({ status: response.statusCode, body: response.body.slice(0, 500) }).toSatisfy(
            (r: { status: number; body: string }) => r.status < 500 && (r.status < 400 || !leaks.test(r.body))
          )
        }),
        { seed, numRuns: runsPerRoute }
      )
    }
  )
})
