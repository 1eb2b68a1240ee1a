import websocket from "@fastify/websocket"
import Fastify, { type FastifyInstance } from "fastify"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dashboardRoutes } from "../pipelines/dashboardRoutes.js"
import { readdirSync } from "node:fs"
import { join } from "node:path"
import { artifactsDir, chartData, chartTotal, launch, type Browser } from "./browser.js"

/**
 * The page alone, in headless Chromium, against a stand-in API that answers the KPI, review, health and
 * application contracts from fixed data, and the review desk's ops feed: how each answer shape is drawn, filters,
 * live refresh, errors, the keys' storage. `dashboard.test.ts` and `desk.test.ts` run the same page over the real
 * pipeline and the real routes.
 */

const minute = (m: number) => `2026-11-25 10:${String(m).padStart(2, "0")}:00`
const postings = [
  [minute(1), "acme", "3"],
  [minute(2), "acme", "4"],
  [minute(1), "globex", "2"],
  [minute(3), "globex", "5"]
]
const catalogue = [
  { name: "postings_per_minute", title: "Postings per minute", description: "Discovered postings per minute and source", columns: [{ name: "minute", type: "DateTime" }, { name: "source", type: "String" }, { name: "postings", type: "UInt64" }] },
  { name: "duplicate_rate", description: "Share of postings recognised as duplicates", columns: [{ name: "source", type: "String" }, { name: "duplicates", type: "UInt64" }, { name: "total", type: "UInt64" }, { name: "rate", type: "Float64" }] },
  { name: "connector_errors", description: "Dead-lettered pages per source", columns: [{ name: "minute", type: "DateTime" }, { name: "source", type: "String" }, { name: "errors", type: "UInt64" }] },
  { name: "score_distribution", description: "Matches per score band", columns: [{ name: "bucket", type: "String" }, { name: "matches", type: "UInt64" }] },
  { name: "decisions_split", description: "Decisions and their share", columns: [{ name: "decision", type: "String" }, { name: "matches", type: "UInt64" }, { name: "rate", type: "Float64" }] },
  { name: "funnel_weekly", title: "Funnel by week and source", description: "Applications reaching each stage", columns: [{ name: "week", type: "Date" }, { name: "source", type: "String" }, { name: "stage", type: "String" }, { name: "count", type: "UInt64" }] },
  { name: "time_in_stage", description: "Seconds spent in each stage", columns: [{ name: "stage", type: "String" }, { name: "avg_seconds", type: "Float64" }, { name: "p95_seconds", type: "Float64" }] },
  { name: "end_to_end_lag", description: "Lag from discovery to decision", columns: [{ name: "p50_seconds", type: "Float64" }, { name: "p95_seconds", type: "Float64" }] },
  { name: "broken_kpi", description: "Always fails", columns: [] }
]
const answers: Record<string, ReadonlyArray<ReadonlyArray<unknown>>> = {
  postings_per_minute: postings,
  duplicate_rate: [["acme", "1", "7", 0.142857], ["globex", "0", "7", 0]],
  connector_errors: [[minute(2), "globex", "2"]],
  score_distribution: [["0-19", "1"], ["20-39", "3"], ["40-59", "6"], ["60-79", "4"], ["80-100", "2"]],
  decisions_split: [["auto_approve", "2", 0.125], ["manual_review", "6", 0.375], ["reject", "8", 0.5]],
  funnel_weekly: [
    ["2026-11-23", "acme", "applied", "2"],
    ["2026-11-23", "acme", "saved", "5"],
    ["2026-11-23", "globex", "saved", "3"],
    ["2026-11-23", "acme", "interview", "1"],
    ["2026-11-23", "globex", "applied", "2"]
  ],
  time_in_stage: [["saved", 86400, 172800], ["applied", 43200, 90000]],
  end_to_end_lag: [[1.5, 4.2]]
}
const fixtureKey = "jsk_fixture"
/** The staff key the stand-in knows: the KPIs, the review queue and the ops feed need it, as the API's do. */
const staffKey = "jst_fixture"
const deskStatus = {
  type: "status",
  pending: 4,
  assigned: 1,
  reviewers: [
    { staffId: "st_a", name: "Ana", role: "reviewer", maxActive: 1, strikes: 0, locked: false, presence: "online", active: 1 },
    { staffId: "st_b", name: "Ben", role: "reviewer", maxActive: 2, strikes: 2, locked: false, presence: "away", active: 0 }
  ]
}
const deskKpis = {
  type: "kpis",
  from: "2026-11-25T00:00:00.000Z",
  to: "2026-11-25T12:00:00.000Z",
  kpis: [
    { kpi: "review_decision_time", rows: [{ day: "2026-11-25", decisions: 12, p50_seconds: 95, p95_seconds: 610 }] },
    { kpi: "sla_misses", rows: [{ reviewer_id: "st_b", misses: 2, last_missed_at: "2026-11-25T10:00:00Z" }] },
    {
      kpi: "approval_channels",
      rows: [
        { day: "2026-11-25", source: "acme", approvals: 10, auto: 4, manual: 6, auto_rate: 0.4, manual_rate: 0.6 },
        { day: "2026-11-25", source: "globex", approvals: 5, auto: 5, manual: 0, auto_rate: 1, manual_rate: 0 }
      ]
    }
  ]
}
const applications = [
  { applicationId: "a1", jobId: "j1", title: "Data Scientist", company: "Acme", status: "applied", statusChangedAt: "2026-11-25T09:00:00Z", stalled: false },
  { applicationId: "a2", jobId: "j2", title: "ML Engineer", company: "Globex", status: "interview", statusChangedAt: "2026-11-24T09:00:00Z", stalled: true },
  { applicationId: "a3", jobId: "j3", title: "Analyst <b>bold</b>", company: "Initech", status: "saved", updatedAt: "2026-11-23T09:00:00Z" },
  { applicationId: "a4", jobId: "j4", title: "Statistician", company: "Acme", status: "rejected", updatedAt: "2026-11-22T09:00:00Z" }
]

let app: FastifyInstance
let base: string
let browser: Browser
const kpiCalls: Array<URL> = []

const stubApi = () => {
  const stub = Fastify()
  stub.addHook("onRequest", async (request, reply) => {
    const staffOnly = request.url.startsWith("/kpis") || request.url.startsWith("/reviews/")
    if (staffOnly && request.headers.authorization !== `Bearer ${staffKey}`)
      return reply.status(401).send({ error: "Unauthorized", message: "send a staff API key" })
  })
  stub.register(websocket)
  stub.register(async (scoped) => {
    scoped.get("/desk/ops/ws", { websocket: true }, (socket) => {
      socket.once("message", (raw) => {
        if ((JSON.parse(String(raw)) as { key?: string }).key !== staffKey) return socket.close(4401, "unauthorized")
        socket.send(JSON.stringify(deskStatus))
        socket.send(JSON.stringify(deskKpis))
      })
    })
  })
  stub.get("/kpis", async () => ({ kpis: catalogue }))
  stub.get<{ Params: { name: string }; Querystring: Record<string, string> }>("/kpis/:name", async (request, reply) => {
    kpiCalls.push(new URL(request.url, "http://stub"))
    const kpi = catalogue.find((k) => k.name === request.params.name)
    if (!kpi) return reply.status(404).send({ error: "not_found", message: "no such KPI" })
    if (kpi.name === "broken_kpi") return reply.status(503).send({ error: "unavailable", message: "ClickHouse query failed: Code: 60, table is missing" })
    const source = request.query.source
    const sourceAt = kpi.columns.findIndex((c) => c.name === "source")
    const rows = (answers[kpi.name] ?? []).filter((r) => !source || sourceAt < 0 || r[sourceAt] === source)
    return { kpi: kpi.name, columns: kpi.columns, rows }
  })
  stub.get("/reviews/pending", async () => ({
    items: [
      { jobId: "j9", title: "Senior Data Scientist", company: "Acme", source: "acme", seekersWaiting: 2, bestScore: 81, oldestScoredAt: "2026-11-25T08:00:00.000Z" }
    ],
    totalJobs: 1,
    totalReviews: 2
  }))
  stub.get("/healthz", async (_request, reply) =>
    reply.status(503).send({
      status: "degraded",
      checks: {
        kafka: { ok: true, detail: "12 topics", latencyMs: 3 },
        postgres: { ok: true, detail: "PostgreSQL 15.20", latencyMs: 2 },
        clickhouse: { ok: false, detail: "connect ECONNREFUSED", latencyMs: 1 }
      }
    })
  )
  stub.get<{ Querystring: { status?: string } }>("/seekers/me/applications", async (request, reply) => {
    if (request.headers.authorization !== `Bearer ${fixtureKey}`)
      return reply.status(401).send({ error: "Unauthorized", message: "unknown API key" })
    const status = request.query.status
    return { items: applications.filter((a) => !status || a.status === status) }
  })
  dashboardRoutes(stub)
  return stub
}

/** A tab at a view, signed in with the staff key (unless `signedIn` is false), once its reads are done. */
const open = async (view: string, setup?: (page: Page) => Promise<void>, signedIn = true) => {
  const { page, problems } = await browser.page()
  if (signedIn) await page.addInitScript((key) => sessionStorage.setItem("jobstream.dashboard.opsKey", key), staffKey)
  await setup?.(page)
  await page.goto(`${base}/dashboard#${view}`)
  // Signed out, the view stays hidden and the notice asking for a key shows.
  await page.waitForSelector(signedIn ? `[data-view="${view}"][data-state="partial"], [data-view="${view}"][data-state="ready"]` : "#signed-out")
  return { page, problems }
}

/** Stand-in screenshots go beside the real ones, named apart: they show fixed data, not the pipeline's. */
const snap = async (page: Page, view: string) => {
  await page.screenshot({ path: join(artifactsDir, `stand-in-${view}.png`), fullPage: true })
}

describe("the dashboard page over a stand-in API", () => {
  beforeAll(async () => {
    app = stubApi()
    base = await app.listen({ port: 0, host: "127.0.0.1" })
    browser = await launch()
  })

  afterAll(async () => {
    await browser?.close()
    await app?.close()
  })

  it("serves the page, its assets and the chart library from this process with a same-origin policy", async () => {
    // Every module of the page, so one added to web/ and not to the routes' list fails here, not in a browser.
    const modules = readdirSync(join(import.meta.dirname, "web")).filter((file) => file.endsWith(".js"))
    expect(modules).toContain("app.js")
    for (const path of ["/dashboard", "/dashboard/style.css", "/dashboard/vendor/chart.umd.min.js", ...modules.map((m) => `/dashboard/${m}`)]) {
      const response = await app.inject({ method: "GET", url: path })
      expect(response.statusCode, path).toBe(200)
      expect(response.headers["content-security-policy"]).toContain("script-src 'self'")
      if (path.endsWith(".js")) expect(response.headers["content-type"], path).toBe("text/javascript; charset=utf-8")
    }
    expect((await app.inject({ method: "GET", url: "/dashboard/../package.json" })).statusCode).toBe(404)
    const html = (await app.inject({ method: "GET", url: "/dashboard" })).body
    expect(html).not.toMatch(/https?:\/\//)
  })

  it("draws a time series per source with its total, passes the range to every KPI call, and shows failures", async () => {
    kpiCalls.length = 0
    const { page, problems } = await open("overview")
    expect(await page.textContent('[data-metric="postings-total"] .value')).toBe("14")
    expect(await page.textContent('[data-metric="active-sources"] .value')).toBe("2")
    expect(await page.textContent('[data-metric="connector-errors"] .value')).toBe("2")
    expect(await page.textContent('[data-metric="pending-reviews"] .value')).toBe("2")
    const chart = await chartData(page, "#kpi-postings_per_minute canvas")
    expect(chart.type).toBe("line")
    expect(chart.datasets.map((d) => d.label).sort()).toEqual(["acme", "globex"])
    expect(await chartTotal(page, "#kpi-postings_per_minute canvas")).toBe(14)
    // Every KPI call carries the range; a 24 h default.
    expect(kpiCalls.length).toBeGreaterThan(0)
    for (const call of kpiCalls) {
      const from = Date.parse(call.searchParams.get("from") ?? "")
      const to = Date.parse(call.searchParams.get("to") ?? "")
      expect(to - from).toBe(86_400_000)
    }
    // The failing KPI lands in the overview (no other rule claims it) and says why, in the page.
    const broken = page.locator("#kpi-broken_kpi")
    expect(await broken.getAttribute("data-state")).toBe("error")
    expect(await broken.locator('[role="alert"]').textContent()).toContain("503 (unavailable: ClickHouse query failed: Code: 60")
    expect(await page.textContent("#status")).toMatch(/1 part failed/)
    expect(problems.filter((p) => !p.includes("503"))).toEqual([])
    await snap(page, "overview")
    await page.close()
  })

  it("filters every KPI call by the chosen source and time range", async () => {
    const { page } = await open("overview")
    kpiCalls.length = 0
    const refreshes = Number(await page.getAttribute("body", "data-refreshes"))
    await page.selectOption("#source", "globex")
    await page.waitForFunction((n) => Number(document.body.dataset.refreshes) > n, refreshes)
    expect(await page.textContent('[data-metric="postings-total"] .value')).toBe("7")
    expect(kpiCalls.every((c) => c.searchParams.get("source") === "globex")).toBe(true)

    kpiCalls.length = 0
    const before = Number(await page.getAttribute("body", "data-refreshes"))
    await page.selectOption("#range", "7d")
    await page.waitForFunction((n) => Number(document.body.dataset.refreshes) > n, before)
    const call = kpiCalls[0]!
    expect(Date.parse(call.searchParams.get("to")!) - Date.parse(call.searchParams.get("from")!)).toBe(7 * 86_400_000)

    await page.selectOption("#range", "custom")
    await page.fill("#from", "2026-11-25T12:00")
    await page.fill("#to", "2026-11-25T11:00")
    await page.dispatchEvent("#to", "change")
    await page.waitForSelector("#global-error:not([hidden])")
    expect(await page.textContent("#global-error")).toContain("From must be before To")
    await page.close()
  })

  it("refreshes every 10 s while live refresh is on, and not when it is off", async () => {
    const { page } = await open("overview", (p) => p.clock.install())
    const refreshes = async () => Number(await page.getAttribute("body", "data-refreshes"))
    const first = await refreshes()
    await page.clock.runFor(10_500)
    await page.waitForFunction((n) => Number(document.body.dataset.refreshes) > n, first)
    await page.uncheck("#live")
    const paused = await refreshes()
    await page.clock.runFor(30_000)
    await page.waitForTimeout(300)
    expect(await refreshes()).toBe(paused)
    await page.close()
  })

  it("draws a funnel in stage order with the conversion between stages", async () => {
    const { page } = await open("funnel")
    const chart = await chartData(page, "#kpi-funnel_weekly canvas")
    expect(chart.labels).toEqual(["Saved", "Applied", "Interview"])
    expect(chart.datasets[0]!.values).toEqual([8, 4, 1])
    expect(await page.textContent('#kpi-funnel_weekly tr[data-stage="applied"] td:nth-of-type(2)')).toBe("50.0 %")
    // Stage durations: rates and durations are drawn as bars and shown in human units in the table.
    expect((await chartData(page, "#kpi-time_in_stage canvas")).datasets.map((d) => d.label)).toEqual(["Avg seconds", "P95 seconds"])
    expect(await page.textContent('#kpi-end_to_end_lag [data-metric="end_to_end_lag.p95_seconds"] .value')).toBe("4.2 s")
    await snap(page, "funnel")
    await page.close()
  })

  it("shows connector health per source and the infrastructure's state", async () => {
    const { page } = await open("sources")
    expect(await page.textContent('#source-health tr[data-source="acme"] [data-postings]')).toBe("7")
    expect(await page.textContent('#source-health tr[data-source="globex"] [data-errors]')).toBe("2")
    expect(await page.textContent('#source-health tr[data-source="globex"] .badge')).toBe("Errors")
    expect(await page.textContent("#infra-health caption")).toBe("Overall: degraded")
    expect(await page.textContent("#infra-health tbody tr:nth-child(3) .badge")).toBe("Down")
    expect((await chartData(page, "#kpi-duplicate_rate canvas")).labels).toEqual(["acme", "globex"])
    await snap(page, "sources")
    await page.close()
  })

  it("shows score bands, decisions and the pending reviews as a table", async () => {
    const { page } = await open("matching")
    expect(await chartTotal(page, "#kpi-score_distribution canvas")).toBe(16)
    const decisions = await chartData(page, "#kpi-decisions_split canvas")
    expect(decisions.labels).toEqual(["auto_approve", "manual_review", "reject"])
    expect(decisions.datasets[0]!.values).toEqual([2, 6, 8])
    const headers = await page.$$eval("#pending-reviews thead th", (ths) => ths.map((t) => t.textContent))
    expect(headers).toEqual(["Job", "Company", "Source", "Seekers waiting", "Best score", "Waiting since"])
    expect(await page.textContent('#pending-reviews tr[data-job-id="j9"] th')).toBe("Senior Data Scientist")
    await snap(page, "matching")
    await page.close()
  })

  it("shows a seeker's applications as a kanban with the key kept in session storage only", async () => {
    const { page } = await open("applications")
    await page.fill("#seeker-key", "jsk_wrong")
    await page.click('#seeker-key-form button[type="submit"]')
    await page.waitForSelector('#kanban-panel[data-state="error"]')
    expect(await page.textContent("#kanban-panel [role=alert]")).toContain("401")

    await page.fill("#seeker-key", fixtureKey)
    await page.click('#seeker-key-form button[type="submit"]')
    await page.waitForSelector('#kanban-panel[data-state="ready"]')
    const lanes = await page.$$eval(".lane", (els) => els.map((l) => [(l as HTMLElement).dataset.status, l.querySelectorAll(".card").length]))
    expect(Object.fromEntries(lanes)).toMatchObject({ saved: 1, applied: 1, interview: 1, rejected: 1, offer: 0, no_response: 0 })
    // Titles are text, never markup.
    expect(await page.textContent('[data-application-id="a3"] .card-title')).toBe("Analyst <b>bold</b>")
    // The seeker's key and the staff key, in this tab only.
    expect(await page.evaluate(() => [sessionStorage.length, localStorage.length, document.cookie])).toEqual([2, 0, ""])
    await snap(page, "applications")

    await page.click("#forget-key")
    await page.waitForSelector('#kanban-panel[data-state="idle"]')
    expect(await page.evaluate(() => sessionStorage.getItem("jobstream.dashboard.seekerKey"))).toBeNull()
    await page.close()
  })

  it("asks for a staff key and reads nothing without one; signed in, it reads the KPIs with the key and the ops feed", async () => {
    kpiCalls.length = 0
    const { page, problems } = await open("overview", undefined, false)
    expect(await page.getAttribute('[data-view="overview"]', "data-state")).toBe("signed-out")
    expect(await page.isVisible("#main")).toBe(false)
    expect(await page.$$("[data-kpi]")).toEqual([])
    expect(kpiCalls).toEqual([])

    const sent: Array<string | undefined> = []
    page.on("request", (r) => new URL(r.url()).pathname.startsWith("/kpis") && sent.push(r.headers().authorization))
    await page.fill("#ops-key", staffKey)
    await page.click('#ops-key-form button[type="submit"]')
    await page.waitForSelector('[data-view="overview"][data-state="partial"]')
    expect(await page.isVisible("#signed-out")).toBe(false)
    expect(sent.length).toBeGreaterThan(0)
    expect(new Set(sent)).toEqual(new Set([`Bearer ${staffKey}`]))
    expect(await page.textContent('[data-metric="postings-total"] .value')).toBe("14")

    // The desk's KPIs for today, as the feed pushed them.
    await page.waitForSelector('#desk-live [data-kpis="ready"]')
    const number = (metric: string) => page.textContent(`#desk-live [data-metric="${metric}"] .value`)
    expect(await number("desk-pending")).toBe("4")
    expect(await number("desk-decisions")).toBe("12")
    expect(await number("desk-decision-p50")).toBe("95 s")
    expect(await number("desk-decision-p95")).toBe("10 min")
    expect([await number("desk-auto"), await number("desk-manual")]).toEqual(["9", "6"])
    expect(await page.textContent('#desk-live [data-metric="desk-auto"] figcaption')).toContain("60.0 %")
    expect(await page.$$eval("#desk-live tr[data-source]", (trs) => trs.map((t) => [(t as HTMLElement).dataset.source, t.children[4]!.textContent]))).toEqual([
      ["acme", "40.0 %"],
      ["globex", "100.0 %"]
    ])
    expect(await page.$$eval("#desk-live tr[data-staff-id] [data-misses]", (tds) => tds.map((t) => t.textContent))).toEqual(["0", "2"])
    await snap(page, "desk-live")

    // Forgetting the key stops the reads again.
    await page.click("#forget-ops-key")
    await page.waitForSelector("#signed-out")
    expect(await page.getAttribute('[data-view="overview"]', "data-state")).toBe("signed-out")
    expect(await page.isVisible("#main")).toBe(false)
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
    expect(problems.filter((p) => !p.includes("503"))).toEqual([])
    await page.close()
  })
})
