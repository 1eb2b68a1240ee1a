import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { memoryPublisher } from "../memoryPublisher.js"
import { renderedPages } from "../demo-site/catalog.js"
import { startDemoSite, type DemoSite } from "../demo-site/server.js"
import { crawlJsonLd, type JsonLdSource } from "./main.js"

/**
 * The rendered crawl, in Debian's Chromium, over the demo site's script-driven pages: their JSON-LD exists only
 * once the page's script has run. main.test.ts covers the rest of the crawl with CheerioCrawler.
 */

const crawl = async (config: JsonLdSource) => {
  const memory = memoryPublisher()
  const summary = await Effect.runPromise(crawlJsonLd(config).pipe(Effect.provide(memory.layer)))
  return { summary, ...memory, rejected: memory.rejected.map((r) => r.url), ids: memory.postings.map((p) => p.externalId).sort() }
}

describe("crawlJsonLd with render, in Chromium", () => {
  let site: DemoSite
  let expected: Array<string>
  let listing: JsonLdSource
  beforeAll(async () => {
    site = await startDemoSite({ count: 20 })
    expected = renderedPages(site.catalog()).map((p) => p.posting.id).sort()
    listing = { source: "demo", startUrls: [`${site.url}/careers/rendered`], follow: [`${site.url}/careers/rendered/jobs/*`] }
  })
  afterAll(async () => {
    await site?.close()
  })

  it("finds the postings that the pages' scripts add, which the HTML as served does not hold", async () => {
    expect(expected).toEqual(["DEMO-0005", "DEMO-0010", "DEMO-0015", "DEMO-0020"])
    const rendered = await crawl({ ...listing, render: true })
    expect(rendered.summary).toMatchObject({ pages: 1 + expected.length, postings: expected.length, errors: 0, complete: true })
    expect(rendered.ids).toEqual(expected)
    expect(rendered.rejected).toEqual([])
    const posting = rendered.postings.find((p) => p.externalId === "DEMO-0005")!
    expect(posting.url).toMatch(/\/careers\/jobs\/data-scientist-amount-demo-0005$/)
    expect(posting.fields).toMatchObject({ title: "Data Scientist", company: "Amount", requisitionId: "DEMO-0005" })

    const served = await crawl(listing)
    expect(served.summary).toMatchObject({ pages: 1 + expected.length, postings: 0, errors: 0, complete: true })
  })

  it("reads sitemaps too, and publishes a posting found on two pages once", async () => {
    const { summary, ids, rejected } = await crawl({ source: "demo", startUrls: [], sitemap: `${site.url}/sitemap-index.xml`, render: true })
    const catalog = site.catalog()
    // The index, its two sitemaps, every job page and every script-driven copy of one.
    expect(summary.pages).toBe(3 + catalog.pages.length + expected.length)
    expect(ids).toEqual([...catalog.validIds, ...catalog.duplicateIds, ...catalog.invalidIds].sort())
    expect(rejected).toEqual(catalog.malformedPaths.map((path) => `${site.url}${path}`))
    expect(summary).toMatchObject({ errors: 1, complete: false })
  })

  it("fails a page that keeps answering 503, so the crawl is incomplete", async () => {
    const broken = await startDemoSite({ count: 20 })
    try {
      const victim = renderedPages(broken.catalog())[1]!
      expect(broken.fail(victim.slug)).toBe(true)
      const { summary, ids, rejected } = await crawl({
        source: "demo",
        startUrls: [`${broken.url}/careers/rendered`],
        follow: [`${broken.url}/careers/rendered/jobs/*`],
        render: true
      })
      expect(summary).toMatchObject({ postings: expected.length - 1, errors: 1, retries: 3, complete: false })
      expect(ids).toEqual(expected.filter((id) => id !== victim.posting.id))
      expect(rejected).toEqual([])
    } finally {
      await broken.close()
    }
  })
})
