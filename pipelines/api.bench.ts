/**
 * P4 of the bench (issue 16): the query API under load, at 10,000 seekers x 100,000 jobs, against a bare Fastify
 * route that answers the same bytes, both loaded by autocannon from this process with the same settings.
 *
 * - Data, in a PostgreSQL database of its own (`jobstream_bench_api`, migrated as the stack is): 100,000 jobs made
 *   from the demo site's real postings (their titles, companies and descriptions; sources, places, dates, pay,
 *   remote and closed vary by job), 10,000 seekers with keys this bench knows, and 120 matches each (1.2M rows,
 *   scores, decisions, components and explanations as the scorer writes them), all generated inside PostgreSQL in
 *   a few statements. A database already holding this fixture is reused (migrations are applied anyway).
 * - The API runs in a child process (pipelines/api.bench.server.ts), with the search rate limit and the failed
 *   authentication limit raised out of the way (JOBSTREAM_RATE_*); the baseline runs in another.
 * - For each of `GET /seekers/me/matches` (a random seeker's key per request), `GET /jobs` (a rotating set of
 *   filters) and `GET /jobs/search?q=` (a rotating set of queries): latency at a fixed offered rate (autocannon's
 *   `overallRate`; 1,000 req/s, search at its own lower rate: each search embeds its query), then the highest
 *   rate 50 connections sustain. Each phase starts with an unmeasured warm-up.
 *
 * With `--profile`, the API's process writes a CPU profile (node --cpu-prof) when it stops.
 */
import { fork, type ChildProcess } from "node:child_process"
import { createHash } from "node:crypto"
import autocannon from "autocannon"
import { Config, Duration, Effect, ManagedRuntime, Redacted } from "effect"
import { demoPostings } from "../connectors/demo-site/catalog.js"
import * as Postgres from "../stack/Postgres.js"
import type { BenchOptions, BenchRow, BenchSection } from "../stack/benchTable.js"
import { rssOf } from "./benchProcesses.js"
import type { BareBodies, BareRoute } from "./api.bench.server.js"

const fixture = { seekers: 10_000, jobs: 100_000, matchesPerSeeker: 120, templates: 240, version: 1 }
const fixtureName = `${fixture.seekers}x${fixture.jobs}x${fixture.matchesPerSeeker}x${fixture.templates}v${fixture.version}`
const goalMs = 10
const fixedRate = 1000
const searchRate = 5
const maxConnections = 50
/** Startup includes loading the embedding model; a child that has not answered by then is a failure. */
const startLimit = Duration.seconds(90)

const settingsConfig = Config.all({
  adminUrl: Config.string("JOBSTREAM_BENCH_API_ADMIN_URL").pipe(Config.withDefault("postgres://jobstream@127.0.0.1:15432/postgres")),
  database: Config.string("JOBSTREAM_BENCH_API_DATABASE").pipe(Config.withDefault("jobstream_bench_api")),
  modelsDir: Config.string("JOBSTREAM_MODELS_DIR").pipe(Config.withDefault(".jobstream/models"))
})

const seekerKey = (i: number) => `jsk_${createHash("sha256").update(`bench-seeker-${i}`).digest("base64url")}`
const hashKey = (key: string) => createHash("sha256").update(key).digest("hex")

/** A pool on `url` with limits that fit bulk generation (the API's own are for requests). */
const bulkPostgres = (url: string) =>
  Postgres.layer({ url: Redacted.make(url), maxConnections: 2, statementTimeout: Duration.minutes(10), queryTimeout: Duration.minutes(10) })

const long = { timeout: Duration.minutes(10) }

/** The bench database, created, migrated and filled unless it already holds this fixture. */
const prepareFixture = (adminUrl: string, database: string, benchUrl: string) =>
  Effect.gen(function* () {
    const admin = ManagedRuntime.make(bulkPostgres(adminUrl))
    const exists = yield* Effect.promise(() =>
      admin.runPromise(Effect.flatMap(Postgres.Postgres, (db) => db.query("SELECT 1 FROM pg_database WHERE datname = $1", [database])))
    )
    if (exists.length === 0)
      yield* Effect.promise(() => admin.runPromise(Effect.flatMap(Postgres.Postgres, (db) => db.query(`CREATE DATABASE ${database}`))))
    yield* Effect.promise(() => admin.dispose())
    return yield* Effect.gen(function* () {
      yield* Postgres.migrate
      const db = yield* Postgres.Postgres
      yield* db.query("CREATE TABLE IF NOT EXISTS bench_fixture (name text PRIMARY KEY)")
      const present = yield* db.query<{ name: string }>("SELECT name FROM bench_fixture")
      if (present.some((r) => r.name === fixtureName)) return false
      yield* db.query("TRUNCATE matches, seekers, jobs, bench_fixture CASCADE", [], long)
      yield* generate(db)
      yield* db.query("INSERT INTO bench_fixture (name) VALUES ($1)", [fixtureName])
      return true
    }).pipe(Effect.provide(bulkPostgres(benchUrl)))
  })

const generate = (db: Postgres.Sql) =>
  Effect.gen(function* () {
    const templates = demoPostings(fixture.templates)
    yield* db.query(
      `INSERT INTO jobs (job_id, source, source_type, external_id, url, canonical_url, title, company, company_key, locations, remote,
         employment_type, salary_min, salary_max, salary_currency, salary_period, description, posted_at, content_hash,
         fetched_at, normalized_at, first_seen_at, closed_at)
       SELECT md5('bench-job-' || g), s.source, 'jsonld', 'BENCH-' || g, u.url, u.url, t.title, t.company, lower(t.company),
         ARRAY[t.location], t.remote OR g % 3 = 0, (ARRAY['FULL_TIME','FULL_TIME','FULL_TIME','PART_TIME','CONTRACTOR'])[1 + g % 5],
         t.salary_min, t.salary_max, CASE WHEN t.salary_min IS NULL THEN NULL ELSE 'USD' END, t.salary_period, t.description,
         CASE WHEN g % 19 = 0 THEN NULL ELSE date '2024-06-03' - (g % 365) END, md5('bench-content-' || g),
         now(), now(), now() - ($9 - g) * interval '1 second', CASE WHEN g % 20 = 0 THEN now() END
       FROM generate_series(1, $9) AS g
       JOIN unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::float8[], $7::float8[], $8::text[])
         WITH ORDINALITY AS t(title, company, location, remote, description, salary_min, salary_max, salary_period, n)
         ON t.n = 1 + g % $10
       CROSS JOIN LATERAL (SELECT (ARRAY['greenhouse','lever','recruitee','smartrecruiters','remoteok','weworkremotely','careers'])[1 + g % 7] AS source) s
       CROSS JOIN LATERAL (SELECT 'https://' || s.source || '.example.org/jobs/' || g AS url) u`,
      [
        templates.map((p) => p.title),
        templates.map((p) => p.company),
        templates.map((p) => p.location),
        templates.map((p) => p.remote),
        templates.map((p) => p.description),
        templates.map((p) => p.baseSalary?.minValue ?? null),
        templates.map((p) => p.baseSalary?.maxValue ?? null),
        templates.map((p) => p.baseSalary?.unitText ?? null),
        fixture.jobs,
        templates.length
      ],
      long
    )
    const ids = Array.from({ length: fixture.seekers }, (_, i) => i)
    yield* db.query(
      `INSERT INTO seekers (seeker_id, name, api_key_hash, preferences)
       SELECT 'bench-seeker-' || i, 'Bench Seeker ' || i, h, CASE WHEN i % 3 = 0 THEN '{"remote":"remote_ok"}'::jsonb ELSE '{}'::jsonb END
       FROM unnest($1::int[], $2::text[]) AS k(i, h)`,
      [ids, ids.map((i) => hashKey(seekerKey(i)))],
      long
    )
    // Each seeker's matches are distinct jobs: k * 4729 mod 100,000 never repeats for k < 100,000 (4729 is prime
    // to it). Scores follow the scorer's spread; decisions its default thresholds.
    yield* db.query(
      `INSERT INTO matches (job_id, seeker_id, score, decision, components, explanation, resume_id, model, scored_at)
       SELECT md5('bench-job-' || (1 + (i * 7919 + k * 4729) % $1)), 'bench-seeker-' || i, sc.score,
         CASE WHEN sc.score >= 90 THEN 'auto_approve' WHEN sc.score >= 60 THEN 'manual_review' ELSE 'reject' END,
         jsonb_build_object('semantic', round(r.a::numeric, 3), 'skills', round(r.b::numeric, 3), 'lexical', round(r.c::numeric, 3),
           'title', round((r.a * r.b)::numeric, 3), 'seniority', 1, 'required', round(r.c::numeric, 3)),
         jsonb_build_object(
           'matchedSkills', to_jsonb((ARRAY['Python','SQL','Statistics','Machine Learning','Spark','Tableau','R','AWS'])[1 + k % 8 : 1 + k % 8 + k % 4]),
           'missingMustHaves', CASE WHEN k % 5 = 0 THEN '["Hadoop"]'::jsonb ELSE '[]'::jsonb END,
           'missingSkills', to_jsonb((ARRAY['Scala','Kubernetes','Go','Java','Airflow'])[1 + i % 5 : 1 + i % 5 + k % 3]),
           'constraints', CASE WHEN i % 3 = 0 THEN '[{"name":"remote","effect":"ok","detail":"the job can be done remotely"}]'::jsonb ELSE '[]'::jsonb END,
           'hybrid', round((sc.score * 0.8 + 10)::numeric, 1)),
         'bench-resume-' || i, 'bge-small-en-v1.5-q', now() - k * interval '1 minute'
       FROM generate_series(0, $2 - 1) AS i, generate_series(0, $3 - 1) AS k,
         LATERAL (SELECT random() AS a, random() AS b, random() AS c) r,
         LATERAL (SELECT least(99, greatest(5, round(r.a * 60 + r.b * 40)))::int AS score) sc`,
      [fixture.jobs, fixture.seekers, fixture.matchesPerSeeker],
      long
    )
    yield* db.query("VACUUM ANALYZE jobs", [], long)
    yield* db.query("VACUUM ANALYZE seekers", [], long)
    yield* db.query("VACUUM ANALYZE matches", [], long)
  })

/** A forked server, once it says on which port it listens; stopped when the scope closes. */
const startChild = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, execArgv: ReadonlyArray<string>) =>
  Effect.acquireRelease(spawnChild(args, env, execArgv), ({ child }) => stopChild(child))

const spawnChild = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, execArgv: ReadonlyArray<string>) =>
  Effect.async<{ child: ChildProcess; port: number }, Error>((resume) => {
    const child = fork(new URL("./api.bench.server.ts", import.meta.url).pathname, [...args], {
      env,
      execArgv: ["--import", "tsx", ...execArgv],
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    child.once("message", (m) => resume(Effect.succeed({ child, port: (m as { port: number }).port })))
    child.once("exit", (code) => resume(Effect.fail(new Error(`bench server ${args.join(" ")} exited with ${code} before listening`))))
    return Effect.sync(() => child.kill())
  }).pipe(
    Effect.timeoutFail({ duration: startLimit, onTimeout: () => new Error(`bench server ${args.join(" ")}: not listening within ${Duration.format(startLimit)}`) })
  )

/** Gives the baseline the bodies it is to answer with, once it says it has them. */
const giveBodies = (child: ChildProcess, bodies: BareBodies) =>
  Effect.async<void>((resume) => {
    child.once("message", () => resume(Effect.void))
    child.send(bodies)
  }).pipe(Effect.timeoutFail({ duration: Duration.seconds(10), onTimeout: () => new Error("bench baseline: bodies not acknowledged") }))

/** Stops a child and waits for it (a CPU profile is written on the way out). */
const stopChild = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null) return resume(Effect.void)
    const kill = setTimeout(() => child.kill("SIGKILL"), 15_000)
    child.once("exit", () => {
      clearTimeout(kill)
      resume(Effect.void)
    })
    if (child.connected) child.disconnect()
    else child.kill()
  })

interface Target {
  readonly name: BareRoute
  readonly what: string
  readonly rate: number
  /** The next request's path and headers, on the API; the baseline answers `/<name>` with the same headers. */
  readonly next: () => { path: string; headers: Record<string, string> }
}

const pick = <A>(items: ReadonlyArray<A>) => items[Math.floor(Math.random() * items.length)]!

const jobFilters = [
  "remote=true",
  "remote=false&employmentType=FULL_TIME",
  "employmentType=CONTRACTOR",
  "postedSince=2024-03-01",
  "salaryMin=100000",
  "remote=true&postedSince=2024-01-01",
  "location=New%20York",
  "status=all"
]

const searchQueries = [
  "data scientist python",
  "machine learning engineer",
  "senior data analyst sql",
  "spark hadoop big data",
  "deep learning computer vision",
  "statistics r modeling",
  "remote analytics tableau",
  "research scientist biology"
]

const targets: ReadonlyArray<Target> = [
  {
    name: "matches",
    what: "GET /seekers/me/matches (random seeker)",
    rate: fixedRate,
    next: () => ({ path: "/seekers/me/matches", headers: { authorization: `Bearer ${seekerKey(Math.floor(Math.random() * fixture.seekers))}` } })
  },
  { name: "jobs", what: "GET /jobs?<filters>&limit=20", rate: fixedRate, next: () => ({ path: `/jobs?${pick(jobFilters)}&limit=20`, headers: {} }) },
  {
    name: "search",
    what: "GET /jobs/search?q=<query>",
    rate: searchRate,
    next: () => ({ path: `/jobs/search?q=${encodeURIComponent(pick(searchQueries))}`, headers: {} })
  }
]

interface Load {
  readonly p50: number
  readonly p99: number
  readonly rate: number
  readonly failed: number
}

/** One autocannon run against `base`; `path` replaces the target's own path for the baseline. */
const load = (base: string, target: Target, options: { connections: number; rate?: number; seconds: number; path?: string }) =>
  Effect.async<Load, Error>((resume) => {
    const instance = autocannon(
      {
        url: base,
        connections: options.connections,
        duration: options.seconds,
        timeout: 10,
        ...(options.rate === undefined ? {} : { overallRate: options.rate }),
        requests: [
          {
            method: "GET",
            setupRequest: (request) => {
              const next = target.next()
              return { ...request, path: options.path ?? next.path, headers: { ...request.headers, ...next.headers } }
            }
          }
        ]
      },
      (error, result) =>
        error
          ? resume(Effect.fail(error instanceof Error ? error : new Error(String(error))))
          : resume(
              Effect.succeed({
                p50: result.latency.p50,
                p99: result.latency.p99,
                rate: result.requests.total / Math.max(1, result.duration),
                failed: result.non2xx + result.errors + result.timeouts
              })
            )
    )
    return Effect.sync(() => instance.stop())
  })

interface Measured {
  readonly fixed: Load
  readonly max: Load
}

const measure = (base: string, target: Target, quick: boolean, path?: string) =>
  Effect.gen(function* () {
    const seconds = quick ? 6 : 20
    const common = path === undefined ? {} : { path }
    yield* load(base, target, { connections: 10, rate: target.rate, seconds: quick ? 2 : 5, ...common })
    const fixed = yield* load(base, target, { connections: 20, rate: target.rate, seconds, ...common })
    const max = yield* load(base, target, { connections: maxConnections, seconds, ...common })
    return { fixed, max } satisfies Measured
  })

const ms = (x: number) => `${x.toFixed(1)} ms`
const reqs = (x: number) => `${Math.round(x).toLocaleString("en")} req/s`

const rowsOf = (target: Target, api: Measured, bare: Measured, bodyBytes: number): Array<BenchRow> => {
  const goal = target.name === "search" ? "reported" : `p99 < ${goalMs} ms at ${fixedRate.toLocaleString("en")} req/s`
  const achieved = api.fixed.rate >= 0.95 * target.rate && api.fixed.failed === 0
  const figures = (prefix: string, m: Measured) => ({
    [`${prefix}FixedP50Ms`]: m.fixed.p50,
    [`${prefix}FixedP99Ms`]: m.fixed.p99,
    [`${prefix}FixedRate`]: m.fixed.rate,
    [`${prefix}FixedFailed`]: m.fixed.failed,
    [`${prefix}MaxRate`]: m.max.rate,
    [`${prefix}MaxP50Ms`]: m.max.p50,
    [`${prefix}MaxP99Ms`]: m.max.p99,
    [`${prefix}MaxFailed`]: m.max.failed
  })
  const all = { ...figures("api", api), ...figures("bare", bare), offeredRate: target.rate, bodyBytes }
  return [
    {
      id: `P4 ${target.name}`,
      what: `${target.what} at ${target.rate.toLocaleString("en")} req/s offered`,
      value: `p99 ${ms(api.fixed.p99)}, p50 ${ms(api.fixed.p50)}, ${reqs(api.fixed.rate)} answered${api.fixed.failed > 0 ? `, ${api.fixed.failed} failed` : ""}`,
      baseline: `p99 ${ms(bare.fixed.p99)}, p50 ${ms(bare.fixed.p50)}`,
      ratio: api.fixed.p99 > 0 ? bare.fixed.p99 / api.fixed.p99 : null,
      goal,
      met: target.name === "search" ? null : achieved && api.fixed.p99 < goalMs,
      figures: all
    },
    {
      id: `P4 ${target.name} max`,
      what: `${target.what}, ${maxConnections} connections, no rate limit`,
      value: `${reqs(api.max.rate)}, p99 ${ms(api.max.p99)}${api.max.failed > 0 ? `, ${api.max.failed} failed` : ""}`,
      baseline: `${reqs(bare.max.rate)}, p99 ${ms(bare.max.p99)}`,
      ratio: bare.max.rate > 0 ? api.max.rate / bare.max.rate : null,
      goal: "reported",
      met: null,
      figures: all
    }
  ]
}

/**
 * One answer of the API to the target, which the baseline serves. A search may time out on its lexical ranking
 * (it ranks every job that matches the query's words), so the first query that succeeds stands for search.
 */
const sampleBody = (base: string, target: Target) =>
  Effect.tryPromise({
    try: async () => {
      const failures: Array<string> = []
      for (let attempt = 0; attempt < (target.name === "search" ? searchQueries.length * 2 : 1); attempt++) {
        const { path, headers } = target.next()
        const answer = await fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(60_000) })
        const body = await answer.text()
        if (answer.status === 200) return body
        failures.push(`GET ${path} answered ${answer.status}: ${body.slice(0, 200)}`)
      }
      throw new Error(failures.join("; "))
    },
    catch: (cause) => new Error(`bench API sample: ${String(cause)}`)
  })

/**
 * Warms the search index: the API indexes 5,000 jobs per search until it holds them all, embedding the texts the
 * embedding cache does not hold yet (minutes on a first run), and each query is embedded once. Done before anything
 * is measured.
 */
const warmSearch = (base: string) =>
  Effect.forEach(
    Array.from({ length: Math.ceil(fixture.jobs / 5000) + searchQueries.length }, (_, i) => searchQueries[i % searchQueries.length]!),
    (q) =>
      Effect.tryPromise({
        // Only the index's growth matters here: an answer that timed out (503) still grew it.
        try: () => fetch(`${base}/jobs/search?q=${encodeURIComponent(q)}`, { signal: AbortSignal.timeout(300_000) }).then((r) => r.arrayBuffer()),
        catch: (cause) => new Error(`bench search warm-up: ${String(cause)}`)
      }),
    { discard: true }
  )

const run = (options: BenchOptions) =>
  Effect.gen(function* () {
    const settings = yield* settingsConfig
    const benchUrl = settings.adminUrl.replace(/\/[^/]*$/, `/${settings.database}`)
    const started = performance.now()
    const generated = yield* prepareFixture(settings.adminUrl, settings.database, benchUrl)
    console.log(`  P4 fixture ${fixtureName} ${generated ? "generated" : "reused"} in ${((performance.now() - started) / 1000).toFixed(1)} s`)

    const env = {
      ...process.env,
      JOBSTREAM_PG_URL: benchUrl,
      JOBSTREAM_CLICKHOUSE_DATABASE: settings.database,
      JOBSTREAM_KAFKA_NAMESPACE: "bench-api.",
      JOBSTREAM_MODELS_DIR: settings.modelsDir,
      JOBSTREAM_RATE_SEARCH_MAX: "100000000",
      JOBSTREAM_RATE_FAILED_AUTH_MAX: "100000000",
      UV_THREADPOOL_SIZE: "32"
    }
    const profile = options.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}`] : []
    const api = yield* startChild(["api"], env, profile)
    const apiBase = `http://127.0.0.1:${api.port}`
    const bare = yield* startChild(["bare"], process.env, [])
    const bareBase = `http://127.0.0.1:${bare.port}`

    const rows: Array<BenchRow> = []
    for (const target of targets) {
      // Search last: its warm-up leaves lexical rankings running on the server for up to its statement timeout.
      if (target.name === "search") yield* warmSearch(apiBase)
      const body = yield* sampleBody(apiBase, target)
      yield* giveBodies(bare.child, { [target.name]: body })
      const measuredApi = yield* measure(apiBase, target, options.quick)
      const measuredBare = yield* measure(bareBase, target, options.quick, `/${target.name}`)
      rows.push(...rowsOf(target, measuredApi, measuredBare, Buffer.byteLength(body)))
      console.log(`  P4 ${target.name}: API p99 ${ms(measuredApi.fixed.p99)}, max ${reqs(measuredApi.max.rate)}; bare p99 ${ms(measuredBare.fixed.p99)}, max ${reqs(measuredBare.max.rate)}`)
    }
    const memory = rssOf({ api: api.child.pid!, bare: bare.child.pid! })
    rows.push({
      id: "P4 mem",
      what: "RSS of the API's process (100k jobs indexed for search) and the baseline's",
      value: `${memory.api ?? "?"} MiB`,
      baseline: `${memory.bare ?? "?"} MiB`,
      ratio: null,
      goal: "reported",
      met: null,
      figures: memory
    })
    return rows
  }).pipe(Effect.scoped)

export const apiLoad: BenchSection = {
  id: "P4",
  title: "Query API under load (10k seekers x 100k jobs) against a bare Fastify route",
  run: (options) => Effect.runPromise(run(options))
}
