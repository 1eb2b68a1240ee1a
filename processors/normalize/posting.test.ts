import { createHash } from "node:crypto"
import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Job, jobIdOf } from "../../schemas/Job.js"
import type { RawPosting } from "../../schemas/RawPosting.js"
import { glassdoorRows, simplifyListings } from "../sampleData.js"
import { MAX_DESCRIPTION_LENGTH, normalizePosting } from "./posting.js"
import { NOW, TECOLOTE_DESCRIPTION } from "./testing.js"
import { canonicalUrl } from "./url.js"

const raw = (fields: RawPosting["fields"], overrides: Partial<RawPosting> = {}): RawPosting => ({
  source: "demo-careers",
  sourceType: "jsonld",
  externalId: "DEMO-0001",
  url: "https://careers.example.com/jobs/1",
  fetchedAt: "2024-06-10T11:59:00.000Z",
  contentHash: "a".repeat(64),
  fields,
  payload: {},
  ...overrides
})

describe("jobIdOf", () => {
  it("is the first 32 hex digits of sha256(source NUL externalId)", () => {
    const expected = createHash("sha256").update("demo-careers\u0000DEMO-0001").digest("hex").slice(0, 32)
    expect(jobIdOf("demo-careers", "DEMO-0001")).toBe(expected)
    expect(jobIdOf("demo-careers", "DEMO-0001")).toMatch(/^[0-9a-f]{32}$/)
  })

  it("separates source from id", () => {
    expect(jobIdOf("ab", "c")).not.toBe(jobIdOf("a", "bc"))
  })
})

describe("normalizePosting", () => {
  const tecolote = raw({
    title: "Data Scientist",
    company: "Tecolote Research\n3.8",
    description: TECOLOTE_DESCRIPTION,
    locations: ["Albuquerque, NM"],
    salary: { text: "$53K-$91K (Glassdoor est.)" },
    employmentType: ["FULL_TIME"],
    datePosted: "2024-05-01T23:30:00-05:00",
    validThrough: "2024-07-01",
    requisitionId: " TR-2020-17 "
  })

  it("carries the attribution a source requires, and adds none where the source gives none", () => {
    const credit = { text: "Remote OK", url: "https://remoteok.com/remote-jobs/remote-data-scientist-1090017" }
    const job = Either.getOrThrow(normalizePosting({ ...tecolote, attribution: credit }, NOW))
    expect(job.attribution).toEqual(credit)
    expect("attribution" in Either.getOrThrow(normalizePosting(tecolote, NOW))).toBe(false)
  })

  it("normalizes a real Glassdoor posting into a valid Job", () => {
    const job = Either.getOrThrow(normalizePosting(tecolote, NOW))
    expect(job).toEqual({
      jobId: jobIdOf("demo-careers", "DEMO-0001"),
      source: "demo-careers",
      sourceType: "jsonld",
      externalId: "DEMO-0001",
      url: "https://careers.example.com/jobs/1",
      canonicalUrl: "https://careers.example.com/jobs/1",
      title: "Data Scientist",
      company: "Tecolote Research",
      companyKey: "tecolote-research",
      locations: ["Albuquerque, NM"],
      remote: false,
      employmentType: "FULL_TIME",
      salary: { min: 53_000, max: 91_000, currency: "USD", period: "YEAR" },
      description: TECOLOTE_DESCRIPTION,
      requisitionId: "TR-2020-17",
      postedAt: "2024-05-01",
      validThrough: "2024-07-01",
      contentHash: "a".repeat(64),
      fetchedAt: "2024-06-10T11:59:00.000Z",
      normalizedAt: "2024-06-10T12:00:00.000Z"
    })
    expect(Schema.is(Job)(job)).toBe(true)
  })

  it("cleans markup out of titles and companies", () => {
    const job = Either.getOrThrow(normalizePosting(raw({ title: "<b>Senior</b> Data Scientist &amp; ML   Engineer", company: "R&amp;D Labs, LLC" }), NOW))
    expect(job.title).toBe("Senior Data Scientist & ML Engineer")
    expect(job.company).toBe("R&D Labs, LLC")
    expect(job.companyKey).toBe("r-d-labs")
    expect(job.description).toBe("")
    expect(job.salary).toBeNull()
    expect(job.employmentType).toBeNull()
    expect(job.postedAt).toBeNull()
  })

  it("splits a packed place list, from whichever source it comes", () => {
    const packed = ["San Francisco, CA | New York City, NY; Seattle, WA or Remote (US)", "new york city, ny"]
    for (const sourceType of ["jsonld", "greenhouse"]) {
      const job = Either.getOrThrow(normalizePosting(raw({ title: "Data Engineer", company: "Acme", locations: packed }, { sourceType }), NOW))
      expect(job.locations).toEqual(["San Francisco, CA", "New York City, NY", "Seattle, WA", "Remote (US)"])
      expect(job.remote).toBe(true)
    }
  })

  it("canonicalizes the URL and infers remote from the title", () => {
    const job = Either.getOrThrow(
      normalizePosting(raw({ title: "Data Engineer 5 - Contract (Remote)", company: "Acme" }, { url: "https://WWW.acme.com/jobs/5/?utm_source=partner&utm_medium=feed" }), NOW)
    )
    expect(job.url).toBe("https://WWW.acme.com/jobs/5/?utm_source=partner&utm_medium=feed")
    expect(job.canonicalUrl).toBe("https://acme.com/jobs/5")
    expect(job.remote).toBe(true)
    expect(job.employmentType).toBe("CONTRACTOR")
  })

  it("drops a posting date after tomorrow", () => {
    expect(Either.getOrThrow(normalizePosting(raw({ title: "T", company: "C", datePosted: "2024-06-11" }), NOW)).postedAt).toBe("2024-06-11")
    expect(Either.getOrThrow(normalizePosting(raw({ title: "T", company: "C", datePosted: "2024-07-01" }), NOW)).postedAt).toBeNull()
  })

  it.each([
    [{ company: "Acme" }, "title"],
    [{ title: "   ", company: "Acme" }, "title"],
    [{ title: "<p> </p>", company: "Acme" }, "title"],
    [{ title: "Data Scientist" }, "company"],
    [{ title: "Data Scientist", company: "\n3.8" }, "company"],
    [{ title: "Data Scientist", company: "!!!" }, "company"],
    [{ title: "x".repeat(1000), company: "Acme" }, "title"],
    [{}, "title"]
  ])("rejects %j, naming the field %s", (fields, field) => {
    const result = normalizePosting(raw(fields), NOW)
    expect(Either.isLeft(result)).toBe(true)
    const error = Either.getLeft(result).pipe((o) => (o._tag === "Some" ? o.value : undefined))!
    expect(error._tag).toBe("NormalizeError")
    expect(error.field).toBe(field)
    expect(error.reason).toContain(field)
    expect(error.reason).toContain("demo-careers:DEMO-0001")
  })

  it("names both fields when title and company are missing", () => {
    const result = normalizePosting(raw({ description: "<p>We are hiring.</p>" }), NOW)
    expect(Either.isLeft(result) && result.left.reason).toContain("no title and no company")
  })

  it("rejects a URL that is not absolute http(s), and a broken clock", () => {
    const badUrl = normalizePosting(raw({ title: "T", company: "C" }, { url: "javascript:alert(1)" }), NOW)
    expect(Either.isLeft(badUrl) && badUrl.left.field).toBe("url")
    const badClock = normalizePosting(raw({ title: "T", company: "C" }), new Date(Number.NaN))
    expect(Either.isLeft(badClock)).toBe(true)
  })

  it("reports a raw posting that breaks the Job schema instead of throwing", () => {
    const result = normalizePosting(raw({ title: "T", company: "C" }, { fetchedAt: "yesterday" }), NOW)
    expect(Either.isLeft(result) && result.left.reason).toContain("Job schema")
  })

  it("survives garbage field types", () => {
    const garbage = raw({
      title: 42, company: ["Acme"], description: { html: "<p>x</p>" }, locations: "Boston", remote: "yes",
      employmentType: "FULL_TIME", datePosted: 20240501, salary: "lots", requisitionId: 7
    } as unknown as RawPosting["fields"])
    expect(() => normalizePosting(garbage, NOW)).not.toThrow()
    expect(() => normalizePosting({ ...garbage, fields: { title: "T", company: "C", description: 5 } } as unknown as RawPosting, NOW)).not.toThrow()
  })

  it("bounds a huge description", () => {
    const description = "<p>" + "Lorem ipsum dolor sit amet. ".repeat(20_000) + "</p>\n".repeat(50)
    const job = Either.getOrThrow(normalizePosting(raw({ title: "T", company: "C", description }), NOW))
    expect(job.description.length).toBeLessThanOrEqual(MAX_DESCRIPTION_LENGTH)
    expect(job.description.length).toBeGreaterThan(MAX_DESCRIPTION_LENGTH * 0.9)
  })
})

describe("on all 956 rows of glassdoor_jobs.csv", () => {
  const rows = glassdoorRows()

  it("normalizes every row, with a salary exactly where Glassdoor has an estimate", () => {
    expect(rows).toHaveLength(956)
    for (const row of rows) {
      const result = normalizePosting(
        raw({ title: row.title, company: row.company, description: row.description, locations: [row.location], salary: { text: row.salary } }, { externalId: `row-${row.row}` }),
        NOW
      )
      const job = Either.getOrThrow(result)
      expect(job.salary === null, `row ${row.row}: ${row.salary}`).toBe(row.salary === "-1")
      expect(job.company).not.toMatch(/\n|\d\.\d$/)
      expect(job.companyKey).toMatch(/^[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*$/u)
      expect(job.description.length).toBeGreaterThan(200)
      expect(job.description).not.toMatch(/\]\]>|<\/?h2?>|\u00ad|[\ue000-\uf8ff]|\n{3}/)
    }
  })
})

describe("on all 1288 SimplifyJobs listings", () => {
  const listings = simplifyListings()

  it("normalizes every listing and keeps canonical URLs idempotent", () => {
    expect(listings).toHaveLength(1288)
    let remote = 0
    for (const l of listings) {
      const job = Either.getOrThrow(
        normalizePosting(
          raw({ title: l.title, company: l.company_name, locations: l.locations, datePosted: String(l.date_posted) }, { externalId: l.id, url: l.url }),
          new Date("2025-01-01T00:00:00Z")
        )
      )
      expect(canonicalUrl(job.canonicalUrl)).toBe(job.canonicalUrl)
      expect(job.postedAt).toMatch(/^20(?:2[2-4])-\d{2}-\d{2}$/)
      if (l.locations.some((loc) => /^Remote in /.test(loc))) expect(job.remote).toBe(true)
      if (job.remote) remote++
    }
    expect(remote).toBeGreaterThan(300)
  })
})
