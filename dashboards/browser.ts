import { existsSync } from "node:fs"
import { mkdir, mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chromium, type BrowserContext, type Page } from "playwright-core"
import { chromiumArgs, chromiumPath } from "../stack/chromium.js"

/** Where the dashboard tests leave one screenshot per view. */
export const artifactsDir = join(import.meta.dirname, "..", "test-artifacts", "dashboard")

export interface Browser {
  readonly context: BrowserContext
  /** A new tab at 1280x800 that records console errors, page errors, failed and non-2xx requests. */
  readonly page: () => Promise<{ page: Page; problems: Array<string> }>
  readonly close: () => Promise<void>
}

/** Headless Chromium with a fresh, throw-away profile (`--user-data-dir` through a persistent context). */
export const launch = async (): Promise<Browser> => {
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: run stack/bootstrap.sh (apt package chromium)`)
  const profile = await mkdtemp(join(tmpdir(), "jobstream-chromium-"))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ["--headless", ...chromiumArgs],
    viewport: { width: 1280, height: 800 },
    locale: "en-GB",
    timezoneId: "UTC"
  })
  await mkdir(artifactsDir, { recursive: true })
  return {
    context,
    page: async () => {
      const page = await context.newPage()
      const problems: Array<string> = []
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console: ${m.text()}`)
      })
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`))
      page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`))
      page.on("response", (r) => {
        if (r.status() >= 400) problems.push(`response ${r.status()}: ${r.url()}`)
      })
      return { page, problems }
    },
    close: async () => {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    }
  }
}

/** The sum of every dataset of the chart drawn on `canvasSelector`, read from Chart.js itself. */
export const chartTotal = (page: Page, canvasSelector: string) =>
  page.$eval(canvasSelector, (canvas) => {
    const chart = (globalThis as unknown as { Chart: { getChart: (c: unknown) => ChartLike | undefined } }).Chart.getChart(canvas)
    if (!chart) throw new Error("no chart on this canvas")
    return chart.data.datasets.reduce(
      (acc, d) => acc + d.data.reduce<number>((s, p) => s + (typeof p === "number" ? p : (p?.y ?? 0)), 0),
      0
    )
  })

/** Labels and values of the chart's datasets, for assertions on what the chart shows. */
export const chartData = (page: Page, canvasSelector: string) =>
  page.$eval(canvasSelector, (canvas) => {
    const chart = (globalThis as unknown as { Chart: { getChart: (c: unknown) => ChartLike | undefined } }).Chart.getChart(canvas)
    if (!chart) throw new Error("no chart on this canvas")
    return {
      type: chart.config.type,
      labels: (chart.data.labels ?? []).map(String),
      datasets: chart.data.datasets.map((d) => ({
        label: d.label,
        values: d.data.map((p) => (typeof p === "number" ? p : (p?.y ?? 0)))
      }))
    }
  })

interface ChartLike {
  readonly config: { readonly type: string }
  readonly data: {
    readonly labels?: ReadonlyArray<unknown>
    readonly datasets: ReadonlyArray<{ readonly label?: string; readonly data: ReadonlyArray<number | { readonly y: number } | null> }>
  }
}
