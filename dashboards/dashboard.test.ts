import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { Effect, Fiber, ManagedRuntime } from "effect"
import type { FastifyInstance } from "fastify"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { demoSource, startDemoSite } from "../connectors/demo-site/server.js"
import { crawlJsonLd } from "../connectors/jsonld/main.js"
import { makeApi } from "../pipelines/api.js"
import { drained, runPipeline, withServices } from "../pipelines/ingest.js"
import { prepare } from "../stack/clients.js"
import { Staff } from "../pipelines/Staff.js"
import { testConfig } from "../pipelines/testing.js"
import { dropNamespace, resetStores } from "../stack/testing.js"
import { ClickHouse } from "../stack/ClickHouse.js"
import { kpiTables } from "../sinks/kpiSql.js"
import { Postgres } from "../stack/Postgres.js"
import { artifactsDir, chartData, chartTotal, launch, type Browser } from "./browser.js"
import { allSources, grafanaReviewsSql, grafanaSql, outFile, render } from "./grafana/generate.js"

/**
 * The dashboard over the real stack: the pipeline runs, the demo careers site is crawled, a seeker is scored
 * and moves applications through their statuses; then headless Chromium loads each view from the API process
 * and the test reads what the charts, numbers and tables show, against PostgreSQL and ClickHouse directly. One
 * screenshot per view lands in test-artifacts/dashboard/<view>.png.
 */

const config = testConfig()
const runtime = ManagedRuntime.make(withServices(config.layer))

let site: Awaited<ReturnType<typeof startDemoSite>>
let pipeline: Fiber.RuntimeFiber<void, unknown>
let api: FastifyInstance
let base: string
let browser: Browser
let page: Page
let problems: Array<string>
let maya: { seekerId: string; apiKey: string; auth: { authorization: string } }
/** An ops admin's key: the KPIs and the review queue need a staff key, in the page as in the API. */
let ops: { authorization: string }

const resume = `Maya Chen — Senior Data Scientist
Seven years building machine learning models in Python (pandas, scikit-learn, PyTorch) and SQL.
Natural language processing: text classification and named entity recognition with transformers.
Experimentation and A/B testing, statistics, forecasting. Spark and Airflow pipelines on AWS.`

const pg = <R extends object>(sql: string, params: ReadonlyArray<unknown> = []) =>
  runtime.runPromise(Effect.flatMap(Postgres, (db) => db.query<R & Record<string, unknown>>(sql, params)))
const ch = <R>(sql: string) => runtime.runPromise(Effect.flatMap(ClickHouse, (c) => c.query<R>(sql)))

const inject = async (method: "GET" | "POST" | "PUT", url: string, payload?: unknown, headers: Record<string, string> = {}) => {
  const response = await api.inject({
    method,
    url,
    headers,
    ...(typeof payload === "string" ? { body: payload } : payload === undefined ? {} : { payload: payload as object })
  })
  expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300)
  return response.json() as Record<string, unknown>
}

const createApplication = async (jobId: string, status: "saved" | "applied", moves: ReadonlyArray<string>) => {
  const created = (await inject("POST", "/seekers/me/applications", { jobId, status }, maya.auth)) as { application: { applicationId: string } }
  for (const to of moves) await inject("POST", `/seekers/me/applications/${created.application.applicationId}/moves`, { to }, maya.auth)
  return created.application.applicationId
}

/** Clicks a view's tab and waits for that view's refresh to finish with every part loaded. */
const show = async (view: string) => {
  const before = Number((await page.getAttribute("body", "data-refreshes")) ?? 0)
  // The tab of the view on screen changes nothing: reload it with the page's own button instead.
  const current = (await page.getAttribute(`[data-view-link="${view}"]`, "aria-current")) === "page"
  await page.click(current ? "#refresh" : `[data-view-link="${view}"]`)
  await page.waitForFunction(
    ([v, n]) => Number(document.body.dataset.refreshes) > Number(n) && document.querySelector(`[data-view="${v}"]`)?.getAttribute("data-state") === "ready",
    [view, before] as const,
    { timeout: 30_000 }
  )
}

const snap = (view: string) => page.screenshot({ path: join(artifactsDir, `${view}.png`), fullPage: true })
const text = async (selector: string) => ((await page.textContent(selector)) ?? "").trim()
const number = async (selector: string) => Number((await text(selector)).replace(/[^\d.-]/g, ""))

/** The funnel chart's bars by stage name (`no_response`, not its label `No response`). */
const funnelShown = async () => {
  const chart = await chartData(page, "#kpi-funnel canvas")
  return new Map(chart.labels.map((label, i) => [label.toLowerCase().replace(/ /g, "_"), chart.datasets[0]!.values[i]!]))
}

/** Each stage's count, in the chart and in the conversion table, is the stores' count. */
const expectFunnel = async (shown: Map<string, number>, stores: Record<string, number>) => {
  for (const [stage, count] of Object.entries(stores)) {
    expect(shown.get(stage), `funnel chart, ${stage}`).toBe(count)
    expect(await number(`#kpi-funnel tr[data-stage="${stage}"] [data-count]`), `funnel table, ${stage}`).toBe(count)
  }
}

const kpi = async (name: string, query = "") => {
  const response = await api.inject({ method: "GET", url: `/kpis/${name}${query}`, headers: ops })
  expect(response.statusCode, response.body).toBe(200)
  return response.json() as { rows: Array<Record<string, string | number>> }
}

describe("the dashboard over the real pipeline, in headless Chromium", () => {
  beforeAll(async () => {
    // The KPI views keep their own counts: empty them with the events table they aggregate.
    await runtime.runPromise(
      Effect.flatMap(ClickHouse, (c) => Effect.forEach(kpiTables, (t) => c.command(`DROP TABLE IF EXISTS ${t}`)))
    )
    await runtime.runPromise(Effect.andThen(resetStores, prepare))
    pipeline = runtime.runFork(runPipeline)
    api = makeApi(await runtime.runtime())
    base = await api.listen({ port: 0, host: "127.0.0.1" })

    const olga = await runtime.runPromise(Effect.flatMap(Staff, (staff) => staff.create({ name: "Olga (ops)", role: "ops" })))
    ops = { authorization: `Bearer ${olga.apiKey}` }
    const created = (await inject("POST", "/seekers", { name: "Maya Chen" })) as { seekerId: string; apiKey: string }
    maya = { ...created, auth: { authorization: `Bearer ${created.apiKey}` } }
    await inject("POST", "/seekers/me/resumes", resume, { ...maya.auth, "content-type": "text/plain" })
    // Thresholds inside her range of scores, so the decisions split three ways and some matches wait for a person.
    await inject("PUT", "/seekers/me/preferences", { targetTitles: ["Data Scientist"], thresholds: { autoApprove: 70, review: 55 } }, maya.auth)

    site = await startDemoSite({ port: 0, count: 30 })
    await runtime.runPromise(crawlJsonLd(demoSource(site.url)).pipe(Effect.zipRight(drained("180 seconds"))))

    // Applications in most statuses, from her best matches.
    const { items } = (await inject("GET", "/seekers/me/matches?limit=6", undefined, maya.auth)) as { items: Array<{ jobId: string }> }
    expect(items.length).toBe(6)
    const [a, b, c, d, e] = items.map((i) => i.jobId)
    await createApplication(a!, "saved", [])
    await createApplication(b!, "applied", [])
    await createApplication(c!, "applied", ["screening", "interview"])
    await createApplication(d!, "applied", ["interview", "offer"])
    await createApplication(e!, "applied", ["rejected"])
    await runtime.runPromise(drained("120 seconds"))

    browser = await launch()
    ;({ page, problems } = await browser.page())
    // Signed in as an ops admin would be, with the key in this tab's session storage.
    await page.addInitScript((key) => sessionStorage.setItem("jobstream.dashboard.opsKey", key), olga.apiKey)
    await page.goto(`${base}/dashboard#overview`)
    await page.waitForSelector('[data-view="overview"][data-state="ready"]', { timeout: 30_000 })
    // Assertions read a still page; live refresh is checked on its own below.
    await page.uncheck("#live")
  })

  afterAll(async () => {
    await browser?.close()
    await site?.close()
    await api?.close()
    if (pipeline) await runtime.runPromise(Fiber.interrupt(pipeline))
    await runtime.runPromise(dropNamespace)
    await runtime.dispose()
  })

  it("Overview: the postings count equals the postings in PostgreSQL and ClickHouse, and the chart draws them", async () => {
    await show("overview")
    const [published] = await pg<{ n: number }>("SELECT count(*)::int AS n FROM source_postings")
    const [discovered] = await ch<{ n: string }>("SELECT uniqExact(event_id) AS n FROM pipeline_events WHERE event_type = 'discovered'")
    expect(published!.n).toBeGreaterThanOrEqual(30)
    expect(Number(discovered!.n)).toBe(published!.n)
    expect(await number('[data-metric="postings-total"] .value')).toBe(published!.n)
    expect(await chartTotal(page, "#kpi-postings_per_minute canvas")).toBe(published!.n)
    expect(await number('[data-metric="active-sources"] .value')).toBe(1)

    const [pending] = await pg<{ n: number; jobs: number }>(
      "SELECT count(*)::int AS n, count(DISTINCT m.job_id)::int AS jobs FROM matches m JOIN jobs j USING (job_id) WHERE decision = 'manual_review'"
    )
    expect(pending!.n).toBeGreaterThan(0)
    expect(await number('[data-metric="pending-reviews"] .value')).toBe(pending!.n)
    // The demo site serves a page it means to be unreadable: the connector's rejections are in PostgreSQL.
    const [rejected] = await pg<{ n: number }>("SELECT count(*)::int AS n FROM source_rejections")
    expect(await number('[data-metric="connector-errors"] .value')).toBe(rejected!.n)
    await snap("overview")
  })

  it("Funnel: each stage shows the count the KPI API answers, and the pipeline's stages match PostgreSQL", async () => {
    await show("funnel")
    const shown = await funnelShown()
    const api = await kpi("funnel")
    const byStage = new Map<string, number>()
    for (const row of api.rows) byStage.set(String(row.stage), (byStage.get(String(row.stage)) ?? 0) + Number(row.reached))
    expect(byStage.size).toBeGreaterThan(3)
    for (const [stage, count] of byStage) expect(shown.get(stage), stage).toBe(count)
    for (const name of ["time_in_stage", "pipeline_lag"])
      expect(await page.getAttribute(`#kpi-${name}`, "data-state"), name).not.toBe("error")
    await snap("funnel")

    const [stores] = await pg<Record<string, number>>(
      `SELECT (SELECT count(*) FROM source_postings)::int AS discovered,
              (SELECT count(*) FROM jobs)::int AS "unique",
              (SELECT count(*) FROM matches)::int AS scored`
    )
    await expectFunnel(shown, stores!)
  })

  it("Funnel: the applications' stages match PostgreSQL's application history", async () => {
    await show("funnel")
    const [stores] = await pg<Record<string, number>>(
      `SELECT ${["applied", "interview", "offer", "accepted"]
        .map((s) => `(SELECT count(DISTINCT application_id) FROM application_history WHERE to_status = '${s}')::int AS ${s}`)
        .join(", ")}`
    )
    expect(stores).toMatchObject({ applied: 4, interview: 2, offer: 1, accepted: 0 })
    await expectFunnel(await funnelShown(), stores!)
  })

  it("Sources: the demo source's row shows its postings from PostgreSQL, and the source filter reaches every KPI call", async () => {
    await show("sources")
    const [demo] = await pg<{ source: string; n: number; rejected: number; reason: string | null }>(
      `SELECT p.source, count(*)::int AS n,
              (SELECT count(*) FROM source_rejections r WHERE r.source = p.source)::int AS rejected,
              (SELECT reason FROM source_rejections r WHERE r.source = p.source ORDER BY last_seen_at DESC LIMIT 1) AS reason
       FROM source_postings p GROUP BY p.source`
    )
    const row = `#source-health tr[data-source="${demo!.source}"]`
    expect(await number(`${row} [data-postings]`)).toBe(demo!.n)
    expect(await number(`${row} [data-errors]`)).toBe(demo!.rejected)
    expect(await text(`${row} .badge`)).toBe(demo!.rejected > 0 ? "Errors" : "OK")
    if (demo!.reason) expect(await page.getAttribute(`${row} td:last-child`, "title")).toBe(demo!.reason)
    expect(await page.$$eval("#infra-health tbody .badge", (els) => els.map((e) => e.textContent))).toEqual(["Up", "Up", "Up"])

    const [dups] = await pg<{ uniques: number; duplicates: number }>(
      "SELECT (SELECT count(*) FROM jobs)::int AS uniques, (SELECT count(*) FROM job_duplicates)::int AS duplicates"
    )
    const duplicateRate = (await kpi("duplicate_rate")).rows[0]!
    expect([Number(duplicateRate.uniques), Number(duplicateRate.duplicates)]).toEqual([dups!.uniques, dups!.duplicates])

    const asked: Array<URL> = []
    const onRequest = (r: { url: () => string }) => {
      const url = new URL(r.url())
      if (url.pathname.startsWith("/kpis/")) asked.push(url)
    }
    page.on("request", onRequest)
    const before = Number(await page.getAttribute("body", "data-refreshes"))
    await page.selectOption("#source", demo!.source)
    await page.waitForFunction((n) => Number(document.body.dataset.refreshes) > n, before)
    page.off("request", onRequest)
    expect(asked.length).toBeGreaterThan(0)
    expect(asked.every((u) => u.searchParams.get("source") === demo!.source && u.searchParams.has("from") && u.searchParams.has("to"))).toBe(true)
    expect(await number(`${row} [data-postings]`)).toBe(demo!.n)
    await snap("sources")
    await page.selectOption("#source", "")
  })

  it("Matching: score bands and decisions add up to the matches in PostgreSQL; the review queue lists them per job", async () => {
    await show("matching")
    const decisions = await pg<{ decision: string; n: number }>("SELECT decision, count(*)::int AS n FROM matches GROUP BY decision")
    const total = decisions.reduce((s, d) => s + d.n, 0)
    expect(await chartTotal(page, "#kpi-score_distribution canvas")).toBe(total)
    const split = await chartData(page, "#kpi-decisions canvas")
    const shown = Object.fromEntries(split.labels.map((l, i) => [l, split.datasets[0]!.values[i]]))
    for (const d of decisions) expect(shown[d.decision], d.decision).toBe(d.n)

    const queue = await pg<{ job_id: string; title: string; n: number }>(
      `SELECT m.job_id, j.title, count(*)::int AS n FROM matches m JOIN jobs j USING (job_id)
       WHERE decision = 'manual_review' GROUP BY m.job_id, j.title ORDER BY min(m.scored_at), m.job_id LIMIT 50`
    )
    const rows = await page.$$eval("#pending-reviews tbody tr", (trs) =>
      trs.map((tr) => ({ jobId: (tr as HTMLElement).dataset.jobId, title: tr.querySelector("th")?.textContent, n: Number(tr.children[3]?.textContent) }))
    )
    expect(rows).toEqual(queue.map((q) => ({ jobId: q.job_id, title: q.title, n: q.n })))
    // Operations see counts, never who waits.
    expect(await text("#pending-reviews")).not.toContain(maya.seekerId)
    await snap("matching")
  })

  it("GET /reviews/pending: per job, oldest first, filtered by source, limits checked", async () => {
    const all = (await api.inject({ method: "GET", url: "/reviews/pending?limit=3", headers: ops })).json() as {
      items: Array<{ jobId: string; oldestScoredAt: string; seekersWaiting: number }>
      totalJobs: number
      totalReviews: number
    }
    const [pending] = await pg<{ jobs: number; n: number }>(
      "SELECT count(DISTINCT job_id)::int AS jobs, count(*)::int AS n FROM matches JOIN jobs USING (job_id) WHERE decision = 'manual_review'"
    )
    expect(all.items).toHaveLength(Math.min(3, pending!.jobs))
    expect([all.totalJobs, all.totalReviews]).toEqual([pending!.jobs, pending!.n])
    expect(all.items.map((i) => i.oldestScoredAt)).toEqual([...all.items.map((i) => i.oldestScoredAt)].sort())
    expect(Object.keys(all.items[0]!).sort()).toEqual(["bestScore", "company", "jobId", "oldestScoredAt", "seekersWaiting", "source", "title"])
    const none = (await api.inject({ method: "GET", url: "/reviews/pending?source=nowhere", headers: ops })).json()
    expect(none).toEqual({ items: [], totalJobs: 0, totalReviews: 0 })
    const bad = await api.inject({ method: "GET", url: "/reviews/pending?limit=0", headers: ops })
    expect(bad.statusCode).toBe(400)
  })

  it("Applications: the kanban shows the seeker's applications by status, as PostgreSQL holds them", async () => {
    await show("applications")
    await page.fill("#seeker-key", maya.apiKey)
    await page.click('#seeker-key-form button[type="submit"]')
    await page.waitForSelector('#kanban-panel[data-state="ready"]')
    const stored = await pg<{ status: string; title: string }>(
      "SELECT a.status, j.title FROM applications a JOIN jobs j USING (job_id) WHERE a.seeker_id = $1",
      [maya.seekerId]
    )
    const lanes = await page.$$eval(".lane", (els) =>
      els.map((l) => [(l as HTMLElement).dataset.status!, [...l.querySelectorAll(".card-title")].map((t) => t.textContent!).sort()] as const)
    )
    const expected = Object.fromEntries(
      lanes.map(([status]) => [status, stored.filter((s) => s.status === status).map((s) => s.title).sort()])
    )
    expect(Object.fromEntries(lanes)).toEqual(expected)
    expect(Object.fromEntries(lanes.map(([s, cards]) => [s, cards.length]))).toMatchObject({ saved: 1, applied: 1, interview: 1, offer: 1, rejected: 1 })
    // The staff key and the seeker's key, in this tab only.
    expect(await page.evaluate(() => [sessionStorage.length, localStorage.length, document.cookie])).toEqual([2, 0, ""])
    await snap("applications")
  })

  it("refreshes by itself every 10 s with live refresh on: a move shows up without a reload", async () => {
    const [offer] = await pg<{ application_id: string }>("SELECT application_id FROM applications WHERE seeker_id = $1 AND status = 'offer'", [maya.seekerId])
    await inject("POST", `/seekers/me/applications/${offer!.application_id}/moves`, { to: "accepted" }, maya.auth)
    await page.check("#live")
    await page.waitForSelector(`.lane[data-status="accepted"] [data-application-id="${offer!.application_id}"]`, { timeout: 15_000 })
    await page.uncheck("#live")
  })

  it("draws every KPI of the catalogue on some view, none of them failing, with nothing loaded from elsewhere", async () => {
    const { kpis: catalogue } = (await api.inject({ method: "GET", url: "/kpis", headers: ops })).json() as { kpis: Array<{ name: string }> }
    const drawn = new Set<string>()
    for (const view of ["overview", "funnel", "sources", "matching", "applications"]) {
      await show(view)
      for (const [name, state] of await page.$$eval(`[data-view="${view}"] [data-kpi]`, (els) =>
        els.map((e) => [(e as HTMLElement).dataset.kpi!, (e as HTMLElement).dataset.state!] as const)
      )) {
        expect(["ready", "empty"], `${name} is ${state}`).toContain(state)
        drawn.add(name)
      }
    }
    expect([...drawn].sort()).toEqual(catalogue.map((k) => k.name).sort())
    const origins = await page.evaluate(() => [...new Set(performance.getEntriesByType("resource").map((e) => new URL(e.name).origin))])
    expect(origins).toEqual([new URL(base).origin])
    expect(problems).toEqual([])
  })

  it("Grafana: the provisioned dashboard is current, and its panels' SQL answers what the KPI API answers", async () => {
    expect(await readFile(outFile, "utf8")).toBe(render())
    // The plugin's macros, as it expands them: whole seconds since the epoch.
    const to = Math.floor(Date.now() / 1000)
    const from = to - 86_400
    const expand = (sql: string) =>
      sql
        .replaceAll("$__fromTime", `toDateTime(${from})`)
        .replaceAll("$__toTime", `toDateTime(${to})`)
        .replaceAll("${source:sqlstring}", `'${allSources}'`)
    const range = `?from=${new Date(from * 1000).toISOString()}&to=${new Date(to * 1000).toISOString()}`
    const { kpis: catalogue } = (await api.inject({ method: "GET", url: "/kpis", headers: ops })).json() as {
      kpis: Array<{ name: string; columns: Array<{ name: string }> }>
    }
    for (const k of catalogue) {
      const viaGrafana = await ch<Record<string, unknown>>(expand(grafanaSql(k.name as Parameters<typeof grafanaSql>[0])))
      const viaApi = (await kpi(k.name, range)).rows
      const normal = (rows: ReadonlyArray<Record<string, unknown>>) =>
        rows.map((r) => k.columns.map((c) => String(r[c.name]).replace(/^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)$/, "$1T$2Z")))
      expect(normal(viaGrafana), k.name).toEqual(normal(viaApi))
    }
    const reviews = await pg<{ job_id: string }>(grafanaReviewsSql().replaceAll("${source:sqlstring}", `'${allSources}'`))
    const viaApi = (await api.inject({ method: "GET", url: "/reviews/pending?limit=50", headers: ops })).json() as { items: Array<{ jobId: string }> }
    expect(reviews.map((r) => r.job_id)).toEqual(viaApi.items.map((i) => i.jobId))
  })
})
