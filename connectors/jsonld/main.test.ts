import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { promisify } from "node:util"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Politeness from "../Politeness.js"
import * as Publisher from "../Publisher.js"
import { prepare } from "../../stack/clients.js"
import { Kafka } from "../../stack/Kafka.js"
import { memoryPublisher } from "../memoryPublisher.js"
import { dropNamespace, stackTestConfig } from "../../stack/testing.js"
import { Topics } from "../../schemas/Envelope.js"
import { Postgres } from "../../stack/Postgres.js"
import { demoCatalog, renderedPages, renderedPath } from "../demo-site/catalog.js"
import { PAGE_SIZE, startDemoSite, type DemoSite } from "../demo-site/server.js"
import type { CrawlProgress } from "../progress.js"
import { crawlJsonLd, type JsonLdSource } from "./main.js"

const crawlInMemory = async (config: JsonLdSource) => {
  const memory = memoryPublisher()
  const summary = await Effect.runPromise(crawlJsonLd(config).pipe(Effect.provide(memory.layer)))
  return { summary, ...memory, ids: memory.postings.map((p) => p.externalId).sort() }
}

const sorted = (ids: ReadonlyArray<string>) => [...ids].sort()

describe("crawlJsonLd through the real Publisher, into Kafka and PostgreSQL", () => {
  const config = stackTestConfig()
  const runtime = ManagedRuntime.make(Layer.provideMerge(Layer.mergeAll(Publisher.layer, Politeness.layer), config.layer))
  // A source of its own instead of emptying the shared test database: other files may be using it.
  const source = `jsonld-test-${randomBytes(4).toString("hex")}`
  let site: DemoSite

  beforeAll(async () => {
    await runtime.runPromise(prepare)
    site = await startDemoSite({ count: 10 })
  })
  afterAll(async () => {
    await site?.close()
    await runtime.runPromise(dropNamespace)
    await runtime.dispose()
  })

  it("finds every job page through the sitemaps robots.txt names, with no follow globs", async () => {
    const catalog = site.catalog()
    const summary = await runtime.runPromise(crawlJsonLd({ source, startUrls: [`${site.url}/careers`] }))
    const rendered = renderedPages(catalog)
    // The listing, the sitemap index and its two sitemaps, every job page, every script-driven copy.
    expect(summary.pages).toBe(1 + 3 + catalog.pages.length + rendered.length)
    const expected = [...catalog.validIds, ...catalog.duplicateIds, ...catalog.invalidIds]
    expect(summary).toMatchObject({ postings: expected.length, new: expected.length, errors: catalog.malformedPaths.length })
    // The malformed page hides whatever it holds: postings missing from this run must not be closed.
    expect(summary.complete).toBe(false)

    const rows = await runtime.runPromise(
      Effect.flatMap(Postgres, (db) =>
        db.query<{ external_id: string }>("SELECT external_id FROM source_postings WHERE source = $1", [source])
      )
    )
    expect(sorted(rows.map((r) => r.external_id))).toEqual(sorted(expected))
    const [run] = await runtime.runPromise(
      Effect.flatMap(Postgres, (db) =>
        db.query<{ pages: number; postings: number; errors: number; complete: boolean }>(
          "SELECT pages, postings, errors, complete FROM crawl_runs WHERE run_id = $1",
          [summary.runId]
        )
      )
    )
    expect(run).toEqual({ pages: summary.pages, postings: summary.postings, errors: summary.errors, complete: false })
    const keys = await kcatKeys(runtime, config.namespace + Topics.raw.name)
    expect(sorted(keys.filter((k) => k.startsWith(`${source}:`)))).toEqual(sorted(expected.map((id) => `${source}:${id}`)))
  })
})

describe("crawlJsonLd over the demo site, in memory", () => {
  let site: DemoSite
  beforeAll(async () => {
    site = await startDemoSite({ count: 10 })
  })
  afterAll(async () => {
    await site?.close()
  })

  it("crawls an explicit sitemap index and its nested sitemaps besides the start URLs", async () => {
    const catalog = site.catalog()
    const { summary, ids, rejected } = await crawlInMemory({
      source: "demo",
      startUrls: [],
      sitemap: `${site.url}/sitemap-index.xml`
    })
    expect(summary.pages).toBe(3 + catalog.pages.length + renderedPages(catalog).length)
    expect(ids).toEqual(sorted([...catalog.validIds, ...catalog.duplicateIds, ...catalog.invalidIds]))
    expect(rejected.map((r) => r.url)).toEqual(catalog.malformedPaths.map((path) => `${site.url}${path}`))
  })

  it("reads the script-driven copies as served and finds no posting there", async () => {
    const rendered = renderedPages(site.catalog())
    const { summary, ids } = await crawlInMemory({
      source: "demo",
      startUrls: [`${site.url}/careers/rendered`],
      follow: [`${site.url}/careers/rendered/jobs/*`]
    })
    expect(summary).toMatchObject({ pages: 1 + rendered.length, postings: 0, errors: 0, complete: true })
    expect(ids).toEqual([])
  })

  it("is complete when every page was read, and incomplete when one keeps failing", async () => {
    const pages = site.catalog().pages.filter((p) => p.kind === "posting").slice(0, 3)
    const config = { source: "demo", startUrls: pages.map((p) => `${site.url}${p.path}`), discover: false }
    const progress: Array<CrawlProgress> = []
    const before = await crawlInMemory({ ...config, onProgress: (p) => progress.push(p) })
    expect(before.summary).toMatchObject({ pages: 3, postings: 3, errors: 0, retries: 0, complete: true })
    expect(before.runs).toEqual([expect.objectContaining({ complete: true, errors: 0 })])
    expect(progress.map((p) => p.pages)).toEqual([1, 2, 3])

    const broken = await startDemoSite({ count: 10 })
    try {
      expect(broken.fail(pages[1]!.slug)).toBe(true)
      const after = await crawlInMemory({ ...config, startUrls: pages.map((p) => `${broken.url}${p.path}`) })
      // Three retries, then the page counts as an error; the postings that were read are still published.
      expect(after.summary).toMatchObject({ pages: 2, postings: 2, errors: 1, retries: 3, complete: false })
      expect(after.ids).not.toContain(pages[1]!.kind === "posting" && pages[1]!.posting.id)
      expect(after.rejected).toEqual([])
    } finally {
      await broken.close()
    }
  })

  it("is incomplete when maxRequests turns sitemap pages away", async () => {
    expect(renderedPages(site.catalog())).toHaveLength(2)
    const config = { source: "demo", startUrls: [], sitemap: `${site.url}/sitemap-rendered.xml` }
    expect((await crawlInMemory({ ...config, maxRequests: 3 })).summary).toMatchObject({ pages: 3, errors: 0, complete: true })
    expect((await crawlInMemory({ ...config, maxRequests: 2 })).summary).toMatchObject({ pages: 2, errors: 0, complete: false })
  })

  it("fails a sitemap that answers 404, so the crawl is incomplete", async () => {
    const { summary, rejected } = await crawlInMemory({ source: "demo", startUrls: [], sitemap: `${site.url}/no-sitemap.xml` })
    expect(summary).toMatchObject({ pages: 0, postings: 0, errors: 1, retries: 0, complete: false })
    expect(rejected).toEqual([])
  })

  it("dead-letters a sitemap that is not one", async () => {
    const { summary, rejected } = await crawlInMemory({ source: "demo", startUrls: [], sitemap: `${site.url}/careers` })
    expect(summary).toMatchObject({ pages: 1, errors: 1, complete: false })
    expect(rejected).toEqual([{ url: `${site.url}/careers`, reason: expect.stringMatching(/^not a sitemap: the root element is <html>/) }])
  })
})

describe("crawlJsonLd and robots.txt", () => {
  it("fetches no page robots.txt disallows, whether listed in a sitemap or linked", async () => {
    const hidden = demoCatalog(10).pages.find((p) => p.kind === "posting" && p.posting.id === "DEMO-0003")!
    const site = await startDemoSite({ count: 10, disallow: [hidden.path, "/careers/rendered"] })
    try {
      const catalog = site.catalog()
      const expected = [...catalog.validIds, ...catalog.duplicateIds, ...catalog.invalidIds].filter((id) => id !== "DEMO-0003")
      const viaSitemap = await crawlInMemory({ source: "demo", startUrls: [`${site.url}/careers`] })
      expect(viaSitemap.ids).toEqual(sorted(expected))
      // The listing and three sitemaps, then every job page but the disallowed one; no script-driven copy.
      expect(viaSitemap.summary.pages).toBe(1 + 3 + catalog.pages.length - 1)

      const viaLinks = await crawlInMemory({
        source: "demo",
        startUrls: [`${site.url}/careers`, `${site.url}/careers/rendered`, `${site.url}${renderedPath(hidden.slug)}`],
        follow: [`${site.url}/careers?page=*`, `${site.url}/careers/jobs/*`]
      })
      expect(viaLinks.ids).toEqual(sorted(expected))
      // The one listing page and every job page but the disallowed one.
      expect(viaLinks.summary.pages).toBe(Math.ceil(catalog.pages.length / PAGE_SIZE) + catalog.pages.length - 1)
    } finally {
      await site.close()
    }
  })
})

/** The keys of every message on a topic, read by kcat (an independent client, not ours). */
const kcatKeys = async (runtime: ManagedRuntime.ManagedRuntime<Kafka, unknown>, topic: string) => {
  const brokers = await runtime.runPromise(Effect.map(Kafka, (k) => k.settings.brokers))
  const { stdout } = await promisify(execFile)("kcat", ["-C", "-b", brokers, "-t", topic, "-e", "-q", "-f", "%k\\n"], {
    maxBuffer: 64 * 1024 * 1024
  })
  return stdout.split("\n").filter((line) => line.length > 0)
}
