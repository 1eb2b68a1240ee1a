import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { extractJobPostings, type FoundPosting } from "../jsonld/extract.js"
import {
  demoCatalog,
  demoPostings,
  fixture,
  PARTNER_QUERY,
  REFERENCE_DATE,
  renderedPages,
  renderedPath,
  type DemoPage
} from "./catalog.js"
import { PAGE_SIZE, replaySlices, startDemoSite, type DemoSite } from "./server.js"

const get = async (url: string): Promise<{ status: number; type: string; body: string }> => {
  const response = await fetch(url)
  return { status: response.status, type: response.headers.get("content-type") ?? "", body: await response.text() }
}

const links = (html: string): Array<string> =>
  [...html.matchAll(/<li class="job"><a href="([^"]+)"/g)].map((m) => m[1]!)
const nextLink = (html: string): string | undefined => /<link rel="next" href="([^"]+)">/.exec(html)?.[1]
const locs = (xml: string): Array<string> => [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]!)

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
  })

  it("publishes the syndicated copies with the original's URL plus tracking parameters", async () => {
    const copy = site.catalog().pages.find((p): p is Extract<DemoPage, { kind: "syndicated" }> => p.kind === "syndicated")!
    const { body } = await get(`${site.url}${copy.path}`)
    const [found] = extractJobPostings(body, `${site.url}${copy.path}`).postings
    expect(found!.externalId).toBe("PARTNER-1")
    expect(found!.url).toBe(`${site.url}${copy.original.path}?${PARTNER_QUERY}`)
    expect(found!.fields.title).toBe(copy.original.title)
  })

  it("serves robots.txt, allowing everything, and a sitemap index of the job pages and their script-driven copies", async () => {
    const robots = await get(`${site.url}/robots.txt`)
    expect(robots.status).toBe(200)
    expect(robots.body).toBe(`User-agent: *\nAllow: /\n\nSitemap: ${site.url}/sitemap-index.xml\n`)
    const index = await get(`${site.url}/sitemap-index.xml`)
    expect(index.type).toBe("application/xml; charset=utf-8")
    expect(index.body).toContain("<sitemapindex ")
    expect(locs(index.body)).toEqual([`${site.url}/sitemap.xml`, `${site.url}/sitemap-rendered.xml`])
    const sitemap = await get(`${site.url}/sitemap.xml`)
    expect(sitemap.type).toBe("application/xml; charset=utf-8")
    expect(locs(sitemap.body)).toEqual(site.catalog().pages.map((p) => `${site.url}${p.path}`))
    const rendered = await get(`${site.url}/sitemap-rendered.xml`)
    expect(locs(rendered.body)).toEqual(renderedPages(site.catalog()).map((p) => `${site.url}${renderedPath(p.slug)}`))
  })

  it("serves every fifth posting again from a script-driven page whose JSON-LD exists only once its script ran", async () => {
    const pages = renderedPages(site.catalog())
    expect(pages.map((p) => p.posting.id)).toEqual(Array.from({ length: 12 }, (_, i) => `DEMO-${String(5 * (i + 1)).padStart(4, "0")}`))
    const listing = await get(`${site.url}/careers/rendered`)
    expect(listing.status).toBe(200)
    expect(links(listing.body)).toEqual(pages.map((p) => renderedPath(p.slug)))

    const page = pages[0]!
    const copy = await get(`${site.url}${renderedPath(page.slug)}`)
    expect(copy.status).toBe(200)
    expect(copy.body).toContain(`<h1>${page.posting.title}</h1>`)
    expect(copy.body).toContain(`<link rel="canonical" href="${site.url}${page.path}">`)
    expect(extractJobPostings(copy.body, `${site.url}${renderedPath(page.slug)}`)).toEqual({ postings: [], errors: [] })
    // What the script adds is what the posting's own page holds.
    const data = /const data = ([\s\S]*?)\n {2}const element/.exec(copy.body)![1]!
    const injected = `<script type="application/ld+json">${JSON.stringify(JSON.parse(data))}</script>`
    const own = await get(`${site.url}${page.path}`)
    expect(extractJobPostings(injected, `${site.url}${renderedPath(page.slug)}`).postings).toEqual(
      extractJobPostings(own.body, `${site.url}${page.path}`).postings
    )
    const notRendered = site.catalog().pages.find((p) => p.kind === "posting" && !pages.includes(p))!
    expect((await get(`${site.url}${renderedPath(notRendered.slug)}`)).status).toBe(404)
  })

  it("answers as eleven job-source APIs under /replay, each with its slice of the postings, with ETags", async () => {
    const board = await fetch(`${site.url}/replay/greenhouse/v1/boards/demo/jobs?content=true`)
    const etag = board.headers.get("etag")
    const jobs = ((await board.json()) as { jobs: Array<{ title: string }> }).jobs
    const [from, to] = replaySlices.greenhouse
    expect(jobs.map((j) => j.title)).toEqual(fixture().slice(from, to).map((row) => row.title))
    expect(etag).toMatch(/^"[0-9a-f]{40}"$/)
    const again = await fetch(`${site.url}/replay/greenhouse/v1/boards/demo/jobs?content=true`, { headers: { "if-none-match": etag! } })
    expect(again.status).toBe(304)
    expect((await get(`${site.url}/replay/remoteok/api`)).type).toMatch(/json/)
    expect((await get(`${site.url}/replay/weworkremotely/remote-jobs.rss`)).type).toMatch(/rss/)
    expect((await get(`${site.url}/replay/adzuna/v1/api/jobs/us/search/1`)).status).toBe(401)
    expect((await get(`${site.url}/replay/nosuchsource/api`)).status).toBe(404)
  })

  it("answers 404 for unknown paths, 405 for other methods, and HEAD without a body", async () => {
    for (const path of ["/", "/nope", "/careers/jobs/no-such-job", "/careers/jobs/", "/careers/jobs/../../etc/passwd", "/careers/rendered/jobs/x"]) {
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

  it("breaks a job page and its script-driven copy with 503, keeping them listed", async () => {
    const victim = renderedPages(site.catalog())[0]!
    expect(site.fail(victim.slug)).toBe(true)
    expect(site.fail("no-such-job")).toBe(false)
    expect((await get(`${site.url}${victim.path}`)).status).toBe(503)
    expect((await get(`${site.url}${renderedPath(victim.slug)}`)).status).toBe(503)
    expect(links((await get(`${site.url}/careers`)).body)).toContain(victim.path)
    expect((await get(`${site.url}/sitemap-rendered.xml`)).body).toContain(renderedPath(victim.slug))
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

describe("a demo site with robots.txt rules", () => {
  it("disallows the given path prefixes for every agent, and still names the sitemap index", async () => {
    const site = await startDemoSite({ count: 5, disallow: ["/careers/rendered", "/careers/jobs/x"] })
    try {
      expect((await get(`${site.url}/robots.txt`)).body).toBe(
        `User-agent: *\nDisallow: /careers/rendered\nDisallow: /careers/jobs/x\nAllow: /\n\nSitemap: ${site.url}/sitemap-index.xml\n`
      )
    } finally {
      await site.close()
    }
  })
})

describe("demo catalog", () => {
  it("is derived from 60 real postings with distinct descriptions and clean company names", () => {
    const rows = fixture()
    expect(rows).toHaveLength(60)
    expect(new Set(rows.map((r) => r.description)).size).toBe(60)
    for (const row of rows) {
      expect(row.company).not.toMatch(/\n/)
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
