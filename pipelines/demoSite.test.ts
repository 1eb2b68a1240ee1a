import { Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fixture, type DemoPage } from "../connectors/demo-site/catalog.js"
import { startDemoSite, type DemoSite } from "../connectors/demo-site/server.js"
import { contentHashOf, extractJobPostings, type FoundPosting } from "../connectors/jsonld/extract.js"
import { normalizePosting } from "../processors/normalize/posting.js"
import { parseSalaryText } from "../processors/normalize/salary.js"
import { htmlToText } from "../processors/normalize/text.js"
import { canonicalUrl } from "../processors/normalize/url.js"
import type { RawPosting } from "../schemas/RawPosting.js"

// The demo site's promises that take a connector and a processor to check: what its pages normalize into.

const NOW = new Date("2024-06-10T00:00:00.000Z")

const get = async (url: string) => (await fetch(url)).text()

const found = async (site: DemoSite, path: string) => extractJobPostings(await get(`${site.url}${path}`), `${site.url}${path}`)

const toRaw = (posting: FoundPosting): RawPosting => ({
  source: "demo-careers",
  sourceType: "jsonld",
  externalId: posting.externalId,
  url: posting.url,
  fetchedAt: NOW.toISOString(),
  contentHash: contentHashOf(posting.payload),
  fields: posting.fields,
  payload: posting.payload
})

describe("the demo careers site through the normalizer", () => {
  let site: DemoSite
  beforeAll(async () => {
    site = await startDemoSite({ port: 0 })
  })
  afterAll(async () => {
    await site.close()
  })

  it("keeps a job page's description as its real posting's text", async () => {
    const page = site.catalog().pages.find((p): p is Extract<DemoPage, { kind: "posting" }> => p.kind === "posting")!
    const [posting] = (await found(site, page.path)).postings
    expect(htmlToText(posting!.fields.description!)).toBe(htmlToText(fixture()[0]!.description))
  })

  it("yields, page by page, the postings, duplicates, malformed page and invalid posting the catalog announces", async () => {
    const catalog = site.catalog()
    const jobs = new Map<string, string>()
    const byCanonical = new Map<string, string>()
    const rejected: Array<string> = []
    const malformed: Array<string> = []
    const duplicates: Array<{ id: string; duplicateOf: string }> = []
    for (const page of catalog.pages) {
      const { postings, errors } = await found(site, page.path)
      if (errors.length > 0) {
        expect(errors).toHaveLength(1)
        expect(errors[0]).toMatch(/^JSON-LD block 1 of 1: invalid JSON/)
        malformed.push(page.path)
      }
      for (const posting of postings) {
        const result = normalizePosting(toRaw(posting), NOW)
        if (Either.isLeft(result)) {
          expect(result.left.field).toBe("title")
          rejected.push(posting.externalId)
          continue
        }
        const job = result.right
        const earlier = byCanonical.get(job.canonicalUrl)
        if (earlier === undefined) byCanonical.set(job.canonicalUrl, job.externalId)
        else duplicates.push({ id: job.externalId, duplicateOf: earlier })
        jobs.set(job.externalId, job.jobId)
      }
    }
    expect(malformed).toEqual(catalog.malformedPaths)
    expect(rejected).toEqual(catalog.invalidIds)
    expect(duplicates).toEqual(catalog.duplicates)
    expect([...byCanonical.values()]).toEqual(catalog.validIds)
    expect(catalog.validIds).toHaveLength(60)
    expect(new Set(jobs.values()).size).toBe(62)
  })

  it("gives a syndicated copy the canonical URL of its original", async () => {
    const copy = site.catalog().pages.find((p): p is Extract<DemoPage, { kind: "syndicated" }> => p.kind === "syndicated")!
    const [posting] = (await found(site, copy.path)).postings
    expect(posting!.url).not.toBe(`${site.url}${copy.original.path}`)
    expect(canonicalUrl(posting!.url)).toBe(canonicalUrl(`${site.url}${copy.original.path}`))
  })
})

describe("the demo catalog through the salary parser", () => {
  it("has a salary text the parser reads on every real posting that states one", () => {
    const stated = fixture().filter((row) => row.salaryText !== null)
    expect(stated.length).toBeGreaterThan(0)
    for (const row of stated) expect(parseSalaryText(row.salaryText!)).not.toBeNull()
  })
})
