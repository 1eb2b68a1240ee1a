import { Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { canonicalUrl, htmlToText, normalizePosting, parseSalaryText } from "../../processors/normalize.js"
import type { RawPosting } from "../../schemas/RawPosting.js"
import { contentHashOf, extractJobPostings, type FoundPosting } from "../jsonld/extract.js"
import { demoCatalog, demoPostings, fixture, PARTNER_QUERY, REFERENCE_DATE, type DemoPage } from "./catalog.js"
import { PAGE_SIZE, startDemoSite, type DemoSite } from "./server.js"

const NOW = new Date("2024-06-10T00:00:00.000Z")

const get = async (url: string): Promise<{ status: number; type: string; body: string }> => {
  const response = await fetch(url)
  return { status: response.status, type: response.headers.get("content-type") ?? "", body: await response.text() }
}

const links = (html: string): Array<string> =>
  [...html.matchAll(/<li class="job"><a href="([^"]+)"/g)].map((m) => m[1]!)
const nextLink = (html: string): string | undefined => /<link rel="next" href="([^"]+)">/.exec(html)?.[1]

const toRaw = (found: FoundPosting): RawPosting => ({
  source: "demo-careers",
  sourceType: "jsonld",
  externalId: found.externalId,
  url: found.url,
  fetchedAt: NOW.toISOString(),
  contentHash: contentHashOf(found.payload),
  fields: found.fields,
  payload: found.payload
})

describe("demo careers site over HTTP", () => {
  let site: DemoSite
  beforeAll(async () => {
    site = await startDemoSite({ port: 0 })
  })
  afterAll(async () => {
    await site.close()
  })

  it("listens on an ephemeral port of 127.0.0.1", () => {
    expect(site.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(site.url).not.toMatch(/:0$/)
  })

  it("paginates the listing 20 a page with rel=next, covering every page once", async () => {
    const first = await get(`${site.url}/careers`)
    expect(first.status).toBe(200)
    expect(first.type).toBe("text/html; charset=utf-8")
    expect(links(first.body)).toHaveLength(PAGE_SIZE)
    expect(first.body).not.toContain('rel="prev"')
    const seen: Array<string> = []
    let path: string | undefined = "/careers"
    let pages = 0
    while (path !== undefined) {
      const { status, body } = await get(`${site.url}${path}`)
      expect(status).toBe(200)
      seen.push(...links(body))
      path = nextLink(body)
      pages++
    }
    const catalog = site.catalog()
    expect(catalog.pages).toHaveLength(64)
    expect(pages).toBe(Math.ceil(64 / PAGE_SIZE))
    expect(seen).toEqual(catalog.pages.map((p) => p.path))
    for (const bad of ["0", "5", "abc", "-1"]) expect((await get(`${site.url}/careers?page=${bad}`)).status).toBe(404)
  })

  it("serves a job page whose JSON-LD yields exactly its posting", async () => {
    const page = site.catalog().pages.find((p): p is Extract<DemoPage, { kind: "posting" }> => p.kind === "posting")!
    const posting = page.posting
    const { status, body } = await get(`${site.url}${page.path}`)
    expect(status).toBe(200)
    expect(body).toContain(`<h1>${posting.title}</h1>`)
    const { postings, errors } = extractJobPostings(body, `${site.url}${page.path}`)
    expect(errors).toEqual([])
    expect(postings).toHaveLength(1)
    const [found] = postings as [FoundPosting]
    expect(found.externalId).toBe(posting.id)
    expect(found.url).toBe(`${site.url}${page.path}`)
    expect(found.fields).toMatchObject({
      title: "Data Scientist",
      company: "Tecolote Research",
      locations: ["Albuquerque, NM, US"],
      employmentType: ["FULL_TIME"],
      datePosted: REFERENCE_DATE,
      requisitionId: "DEMO-0001",
      salary: { min: 53_000, max: 91_000, currency: "USD", unit: "YEAR" }
    })
    expect(found.fields.remote).toBeUndefined()
    expect(htmlToText(found.fields.description!)).toBe(htmlToText(fixture()[0]!.description))
  })

  it("yields, page by page, the postings, duplicates, malformed page and invalid posting the catalog announces", async () => {
    const catalog = site.catalog()
    const jobs = new Map<string, string>()
    const byCanonical = new Map<string, string>()
    const rejected: Array<string> = []
    const malformed: Array<string> = []
    const duplicates: Array<{ id: string; duplicateOf: string }> = []
    for (const page of catalog.pages) {
      const { body } = await get(`${site.url}${page.path}`)
      const { postings, errors } = extractJobPostings(body, `${site.url}${page.path}`)
      if (errors.length > 0) {
        expect(errors).toHaveLength(1)
        expect(errors[0]).toMatch(/^JSON-LD block 1 of 1: invalid JSON/)
        malformed.push(page.path)
      }
      for (const found of postings) {
        const result = normalizePosting(toRaw(found), NOW)
        if (Either.isLeft(result)) {
          expect(result.left.field).toBe("title")
          rejected.push(found.externalId)
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

  it("publishes the syndicated copies with the original's URL plus tracking parameters", async () => {
    const copy = site.catalog().pages.find((p): p is Extract<DemoPage, { kind: "syndicated" }> => p.kind === "syndicated")!
    const { body } = await get(`${site.url}${copy.path}`)
    const [found] = extractJobPostings(body, `${site.url}${copy.path}`).postings
    expect(found!.externalId).toBe("PARTNER-1")
    expect(found!.url).toBe(`${site.url}${copy.original.path}?${PARTNER_QUERY}`)
    expect(canonicalUrl(found!.url)).toBe(canonicalUrl(`${site.url}${copy.original.path}`))
    expect(found!.fields.title).toBe(copy.original.title)
  })

  it("serves robots.txt and a sitemap of every job page", async () => {
    const robots = await get(`${site.url}/robots.txt`)
    expect(robots.status).toBe(200)
    expect(robots.body).toContain(`Sitemap: ${site.url}/sitemap.xml`)
    const sitemap = await get(`${site.url}/sitemap.xml`)
    expect(sitemap.type).toBe("application/xml; charset=utf-8")
    const locs = [...sitemap.body.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1])
    expect(locs).toEqual(site.catalog().pages.map((p) => `${site.url}${p.path}`))
  })

  it("answers 404 for unknown paths, 405 for other methods, and HEAD without a body", async () => {
    for (const path of ["/", "/nope", "/careers/jobs/no-such-job", "/careers/jobs/", "/careers/jobs/../../etc/passwd"]) {
      expect((await get(`${site.url}${path}`)).status).toBe(404)
    }
    expect((await fetch(`${site.url}/careers`, { method: "POST", body: "x" })).status).toBe(405)
    const head = await fetch(`${site.url}/careers`, { method: "HEAD" })
    expect(head.status).toBe(200)
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(0)
    expect(await head.text()).toBe("")
  })
})

describe("changing the demo site while it runs", () => {
  let site: DemoSite
  beforeAll(async () => {
    site = await startDemoSite({ count: 10 })
  })
  afterAll(async () => {
    await site.close()
  })

  it("removes a posting from its page, the listing, the sitemap and the catalog", async () => {
    const victim = site.catalog().pages.find((p) => p.kind === "posting")!
    expect(site.remove(victim.slug)).toBe(true)
    expect(site.remove(victim.slug)).toBe(false)
    expect((await get(`${site.url}${victim.path}`)).status).toBe(404)
    expect(links((await get(`${site.url}/careers`)).body)).not.toContain(victim.path)
    expect((await get(`${site.url}/sitemap.xml`)).body).not.toContain(victim.path)
    expect(site.catalog().validIds).not.toContain("DEMO-0001")
    expect(site.catalog().pages).toHaveLength(13)
  })

  it("grows past the fixture with distinct variants, keeping removed pages removed", async () => {
    site.setCount(130)
    const catalog = site.catalog()
    expect(catalog.validIds).toHaveLength(129)
    expect(new Set(catalog.pages.map((p) => p.slug)).size).toBe(catalog.pages.length)
    const listing = await get(`${site.url}/careers?page=7`)
    expect(listing.status).toBe(200)
    expect(nextLink(listing.body)).toBeUndefined()
    const variant = catalog.pages.find((p) => p.kind === "posting" && p.posting.id === "DEMO-0061")
    expect(variant?.kind === "posting" && variant.posting.title).toBe(fixture()[0]!.title)
    const { body } = await get(`${site.url}${variant!.path}`)
    expect(extractJobPostings(body, `${site.url}${variant!.path}`).postings.map((p) => p.externalId)).toEqual(["DEMO-0061"])
  })
})

describe("demo catalog", () => {
  it("is derived from 60 real postings with distinct descriptions and clean company names", () => {
    const rows = fixture()
    expect(rows).toHaveLength(60)
    expect(new Set(rows.map((r) => r.description)).size).toBe(60)
    for (const row of rows) {
      expect(row.company).not.toMatch(/\n/)
      if (row.salaryText !== null) expect(parseSalaryText(row.salaryText)).not.toBeNull()
    }
  })

  it("is deterministic and independent of the clock", () => {
    expect(demoPostings(150)).toEqual(demoPostings(150))
    expect(demoCatalog(75)).toEqual(demoCatalog(75))
    const postings = demoPostings(500)
    expect(new Set(postings.map((p) => p.id)).size).toBe(500)
    expect(new Set(postings.map((p) => p.slug)).size).toBe(500)
    expect(postings[0]!.datePosted).toBe(REFERENCE_DATE)
    expect(postings.every((p) => p.datePosted.slice(0, 10) <= REFERENCE_DATE)).toBe(true)
  })

  it("mixes the published shapes: remote postings, employment type spellings, description formats", () => {
    const postings = demoPostings(60)
    expect(postings.filter((p) => p.remote).length).toBeGreaterThanOrEqual(5)
    expect(new Set(postings.map((p) => JSON.stringify(p.employmentType))).size).toBeGreaterThanOrEqual(3)
    expect(new Set(postings.map((p) => p.descriptionFormat))).toEqual(new Set(["html", "text", "escaped-html"]))
    expect(postings.filter((p) => p.baseSalary?.unitText === "HOUR")).toHaveLength(2)
  })

  it("handles tiny counts", () => {
    expect(demoCatalog(0)).toMatchObject({ validIds: [], duplicateIds: [], invalidIds: ["DEMO-INVALID-1"] })
    expect(demoCatalog(0).malformedPaths).toHaveLength(1)
    expect(demoCatalog(1).duplicates).toEqual([
      { id: "PARTNER-1", duplicateOf: "DEMO-0001" },
      { id: "PARTNER-2", duplicateOf: "DEMO-0001" }
    ])
    expect(demoPostings(-3)).toEqual([])
  })
})
