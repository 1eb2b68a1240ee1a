import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { contentHashOf, extractJobPostings } from "./extract.js"

const PAGE = "https://careers.example.com/jobs/data-scientist"

const page = (...blocks: ReadonlyArray<string>): string =>
  `<!doctype html><html><head><title>Jobs</title>${blocks.join("\n")}</head><body><h1>Jobs</h1></body></html>`

const script = (json: unknown, type = "application/ld+json"): string =>
  `<script type="${type}">${typeof json === "string" ? json : JSON.stringify(json)}</script>`

// Modelled on a Greenhouse/Workday JobPosting, with the Tecolote posting from glassdoor_jobs.csv.
const FULL_POSTING = {
  "@context": "https://schema.org/",
  "@type": "JobPosting",
  title: "Data Scientist",
  description: "<p>Data Scientist</p><p>Location: Albuquerque, NM</p><ul><li>Power BI, Tableau, Python</li></ul>",
  identifier: { "@type": "PropertyValue", name: "Tecolote Research", value: "TR-2020-17" },
  datePosted: "2020-05-01T09:00:00-07:00",
  validThrough: "2020-07-01",
  employmentType: ["FULL_TIME", "CONTRACTOR"],
  hiringOrganization: { "@type": "Organization", name: "Tecolote Research", sameAs: "https://www.tecolote.com" },
  jobLocation: {
    "@type": "Place",
    address: {
      "@type": "PostalAddress",
      streetAddress: "5301 Central Ave NE",
      addressLocality: "Albuquerque",
      addressRegion: "NM",
      postalCode: "87108",
      addressCountry: { "@type": "Country", name: "US" }
    }
  },
  jobLocationType: "TELECOMMUTE",
  applicantLocationRequirements: { "@type": "Country", name: "United States" },
  baseSalary: {
    "@type": "MonetaryAmount",
    currency: "USD",
    value: { "@type": "QuantitativeValue", minValue: 53000, maxValue: 91000, unitText: "YEAR" }
  },
  url: "/jobs/data-scientist?gh_jid=17"
}

describe("extractJobPostings", () => {
  it("maps every schema.org field to RawFields", () => {
    const { postings, errors } = extractJobPostings(page(script(FULL_POSTING)), PAGE)
    expect(errors).toEqual([])
    expect(postings).toHaveLength(1)
    expect(postings[0]).toEqual({
      externalId: "TR-2020-17",
      url: "https://careers.example.com/jobs/data-scientist?gh_jid=17",
      fields: {
        title: "Data Scientist",
        company: "Tecolote Research",
        description: FULL_POSTING.description,
        locations: ["Albuquerque, NM, US", "United States"],
        remote: true,
        employmentType: ["FULL_TIME", "CONTRACTOR"],
        datePosted: "2020-05-01T09:00:00-07:00",
        validThrough: "2020-07-01",
        requisitionId: "TR-2020-17",
        salary: { min: 53000, max: 91000, currency: "USD", unit: "YEAR" }
      },
      payload: FULL_POSTING
    })
  })

  it("finds a JobPosting in an @graph and resolves @id references to the organization", () => {
    const graph = {
      "@context": "https://schema.org",
      "@graph": [
        { "@type": "WebPage", "@id": `${PAGE}#page`, name: "Careers" },
        { "@type": "Organization", "@id": "https://example.com/#org", name: "Acme Analytics, Inc.", logo: "x.png" },
        { "@type": "BreadcrumbList", itemListElement: [] },
        {
          "@type": "JobPosting",
          title: "Data Engineer",
          hiringOrganization: { "@id": "https://example.com/#org" },
          jobLocation: [
            { "@type": "Place", address: { "@type": "PostalAddress", addressLocality: "Boston", addressRegion: "MA" } },
            { "@type": "Place", address: "Remote, US" }
          ],
          identifier: 4242,
          employmentType: "FULL_TIME, PART_TIME"
        }
      ]
    }
    const { postings, errors } = extractJobPostings(page(script(graph)), PAGE)
    expect(errors).toEqual([])
    expect(postings).toHaveLength(1)
    expect(postings[0]!.externalId).toBe("4242")
    expect(postings[0]!.url).toBe(PAGE)
    expect(postings[0]!.fields).toEqual({
      title: "Data Engineer",
      company: "Acme Analytics, Inc.",
      locations: ["Boston, MA", "Remote, US"],
      employmentType: ["FULL_TIME", "PART_TIME"],
      requisitionId: "4242"
    })
  })

  it("finds several postings per page: arrays, separate blocks and nested objects, in page order", () => {
    const listing = [
      { "@context": "https://schema.org", "@type": "JobPosting", title: "A", identifier: "a", hiringOrganization: "Acme" },
      { "@context": "https://schema.org", "@type": "JobPosting", title: "B", identifier: "b", hiringOrganization: "Acme" }
    ]
    const nested = {
      "@context": "https://schema.org",
      "@type": "ItemList",
      itemListElement: [{ "@type": "ListItem", position: 1, item: { "@type": ["JobPosting", "Thing"], title: "C", identifier: "c" } }]
    }
    const other = { "@context": "https://schema.org", "@type": "Organization", name: "Acme" }
    const { postings, errors } = extractJobPostings(page(script(listing), script(other), script(nested)), PAGE)
    expect(errors).toEqual([])
    expect(postings.map((p) => [p.externalId, p.fields.title])).toEqual([["a", "A"], ["b", "B"], ["c", "C"]])
  })

  it("accepts the type attribute in the spellings pages use, and ignores other scripts", () => {
    const p = (id: string) => ({ "@type": "JobPosting", title: id, identifier: id })
    const html = [
      script(p("plain")),
      script(p("charset"), "application/ld+json; charset=utf-8"),
      script(p("spaces"), " application/ld+json "),
      `<SCRIPT TYPE='Application/LD+JSON'>${JSON.stringify(p("upper"))}</SCRIPT>`,
      `<script data-x="a>b" type=application/ld+json>${JSON.stringify(p("unquoted"))}</script >`,
      script(p("json"), "application/json"),
      script(p("js"), "text/javascript"),
      `<script>${JSON.stringify(p("no-type"))}</script>`,
      `<!-- <script type="application/ld+json">${JSON.stringify(p("commented-out"))}</script> -->`
    ].join("\n")
    expect(extractJobPostings(page(html), PAGE).postings.map((x) => x.externalId)).toEqual(["plain", "charset", "spaces", "upper", "unquoted"])
  })

  it("recognizes @type written as a full IRI or a prefixed name", () => {
    const blocks = ["http://schema.org/JobPosting", "https://schema.org/JobPosting", "schema:JobPosting"].map((type, i) =>
      script({ "@type": type, title: `T${i}`, identifier: `id-${i}` })
    )
    expect(extractJobPostings(page(...blocks), PAGE).postings).toHaveLength(3)
    expect(extractJobPostings(page(script({ "@type": "JobPostingList", identifier: "x" })), PAGE).postings).toHaveLength(0)
  })

  it("reports a broken block by number with the JSON error, and still reads the others", () => {
    const good = { "@type": "JobPosting", title: "Good", identifier: "good" }
    const html = page(script(good), script(`{"@type": "JobPosting", "title": "Broken" "identifier": "x"}`), script("   "), script({ ...good, identifier: "also-good" }))
    const { postings, errors } = extractJobPostings(html, PAGE)
    expect(postings.map((p) => p.externalId)).toEqual(["good", "also-good"])
    expect(errors).toHaveLength(2)
    expect(errors[0]).toMatch(/^JSON-LD block 2 of 4: invalid JSON \(.*(?:Expected|Unexpected).*\); the block starts with: \{"@type": "JobPosting"/)
    expect(errors[1]).toMatch(/^JSON-LD block 3 of 4: invalid JSON \(the block is empty\)/)
  })

  it("repairs what real pages get wrong: wrappers, comments, trailing commas, raw newlines, escaping, BOM", () => {
    const cases = [
      `<!--\n{"@type": "JobPosting", "title": "Comment wrapper", "identifier": "1"}\n-->`,
      `//<![CDATA[\n{"@type": "JobPosting", "title": "CDATA wrapper", "identifier": "2"}\n//]]>`,
      `/*<![CDATA[*/{"@type": "JobPosting", "title": "CDATA in comments", "identifier": "3"}/*]]>*/`,
      `{"@type": "JobPosting", "title": "Trailing commas", "identifier": "4", "employmentType": ["FULL_TIME",],}`,
      `{"@type": "JobPosting", "title": "Raw\nnewline\tand tab", "identifier": "5"}`,
      `{"@type": "JobPosting", // a comment\n "title": "JS comments", /* another */ "identifier": "6"}`,
      `{&quot;@type&quot;: &quot;JobPosting&quot;, &quot;title&quot;: &quot;R&amp;D escaped&quot;, &quot;identifier&quot;: &quot;7&quot;}`,
      `\ufeff{"@type": "JobPosting", "title": "BOM", "identifier": "8"}`,
      `{"@type": "JobPosting", "title": "Commas, \\"quoted\\", in strings,]", "identifier": "9",}`
    ]
    const { postings, errors } = extractJobPostings(page(...cases.map((c) => script(c))), PAGE)
    expect(errors).toEqual([])
    expect(postings.map((p) => p.fields.title)).toEqual([
      "Comment wrapper", "CDATA wrapper", "CDATA in comments", "Trailing commas", "Raw\nnewline\tand tab", "JS comments",
      "R&D escaped", "BOM", 'Commas, "quoted", in strings,]'
    ])
    expect(postings[3]!.fields.employmentType).toEqual(["FULL_TIME"])
  })

  it("falls back to the posting url, then the page url, for externalId and url", () => {
    const html = page(
      script({ "@type": "JobPosting", title: "By url", url: "../jobs/7#apply" }),
      script({ "@type": "JobPosting", title: "No id", url: "javascript:void(0)" })
    )
    const { postings } = extractJobPostings(html, PAGE)
    expect(postings.map((p) => [p.externalId, p.url])).toEqual([
      ["https://careers.example.com/jobs/7#apply", "https://careers.example.com/jobs/7#apply"],
      [PAGE, PAGE]
    ])
  })

  it("keeps ids unique on a page, and returns a posting repeated on the page once", () => {
    const a = { "@type": "JobPosting", title: "A" }
    const b = { "@type": "JobPosting", title: "B" }
    const c = { "@type": "JobPosting", title: "C", identifier: "X" }
    const { postings } = extractJobPostings(page(script([a, b]), script(a), script(c), script(c)), PAGE)
    expect(postings.map((p) => [p.externalId, p.fields.title])).toEqual([[PAGE, "A"], [`${PAGE}#2`, "B"], ["X", "C"]])
  })

  it("bounds an externalId to the RawPosting limit", () => {
    const { postings } = extractJobPostings(page(script({ "@type": "JobPosting", title: "Long", identifier: "x".repeat(600) })), PAGE)
    expect(postings[0]!.externalId).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it.each([
    ["a number", 85000, { min: 85000, max: 85000 }],
    ["a salary text", "$53K-$91K (Glassdoor est.)", { text: "$53K-$91K (Glassdoor est.)" }],
    ["a MonetaryAmount with a numeric value", { "@type": "MonetaryAmount", currency: "GBP", value: 45000 }, { min: 45000, max: 45000, currency: "GBP" }],
    [
      "a QuantitativeValue with a numeric string",
      { "@type": "MonetaryAmount", currency: "USD", value: { "@type": "QuantitativeValue", value: "85,000.00", unitText: "YEAR" } },
      { min: 85000, max: 85000, currency: "USD", unit: "YEAR" }
    ],
    [
      "bounds and unit on the MonetaryAmount itself",
      { "@type": "MonetaryAmount", currency: "EUR", minValue: "50000", maxValue: 60000, unitText: "per year" },
      { min: 50000, max: 60000, currency: "EUR", unit: "per year" }
    ],
    [
      "only a maximum",
      [{ "@type": "MonetaryAmount", currency: "USD", value: { "@type": "QuantitativeValue", maxValue: 40, unitText: "HOUR" } }],
      { max: 40, currency: "USD", unit: "HOUR" }
    ],
    ["a text value", { "@type": "MonetaryAmount", currency: "USD", value: "Competitive" }, { text: "Competitive", currency: "USD" }]
  ])("reads baseSalary given as %s", (_, baseSalary, salary) => {
    const { postings } = extractJobPostings(page(script({ "@type": "JobPosting", title: "T", identifier: "1", baseSalary })), PAGE)
    expect(postings[0]!.fields.salary).toEqual(salary)
  })

  it("reads organizations, places and identifiers in their other shapes", () => {
    const posting = {
      "@type": "JobPosting",
      title: ["Analyst", "ignored"],
      hiringOrganization: ["Globex", { name: "Other" }],
      jobLocation: ["Denver, CO", { "@type": "Place", name: "HQ campus" }, { "@type": "Place", address: { addressCountry: "DE" } }],
      identifier: [{ "@type": "PropertyValue", name: "Globex" }, { "@type": "PropertyValue", value: "GX-9" }],
      jobLocationType: ["TELECOMMUTE"],
      datePosted: 1714605534
    }
    const { postings } = extractJobPostings(page(script(posting)), PAGE)
    expect(postings[0]!.fields).toEqual({
      title: "Analyst",
      company: "Globex",
      locations: ["Denver, CO", "HQ campus", "DE"],
      remote: true,
      requisitionId: "GX-9",
      datePosted: "1714605534"
    })
  })

  it("uses name when title is missing, and leaves out fields that are absent", () => {
    const { postings } = extractJobPostings(page(script({ "@type": "JobPosting", name: "Named", identifier: "n", title: "" })), PAGE)
    expect(postings[0]!.fields).toEqual({ title: "Named", requisitionId: "n" })
    const bare = extractJobPostings(page(script({ "@type": "JobPosting" })), PAGE).postings[0]!
    expect(bare.fields).toEqual({})
    expect(bare.externalId).toBe(PAGE)
  })

  it("returns nothing, without errors, for pages without JSON-LD or with garbage", () => {
    for (const html of ["", "<html></html>", "not html at all", "<script type=\"application/ld+json\">", "<<<>>><script", "\u0000\uffff"]) {
      const result = extractJobPostings(html, PAGE)
      expect(result.postings).toEqual([])
    }
    expect(extractJobPostings(page(script({ "@type": "Organization", name: "Acme" })), PAGE)).toEqual({ postings: [], errors: [] })
    expect(extractJobPostings(page(script("null")), PAGE)).toEqual({ postings: [], errors: [] })
  })

  it("reads an unterminated script to the end of the page", () => {
    const html = `<script type="application/ld+json">{"@type": "JobPosting", "title": "Cut off", "identifier": "z"}`
    expect(extractJobPostings(html, PAGE).postings.map((p) => p.externalId)).toEqual(["z"])
  })

  it("survives huge and deeply nested input", () => {
    const deep = "[".repeat(50_000) + "]".repeat(50_000)
    const deepPosting = `{"@type": "JobPosting", "title": "Deep", "extra": ${"[".repeat(5_000)}${"]".repeat(5_000)}}`
    const fine = { "@type": "JobPosting", title: "Fine", identifier: "fine" }
    const html = page(script(deep), script(deepPosting), script(fine)) + "<div>".repeat(200_000)
    const started = Date.now()
    const { postings, errors } = extractJobPostings(html, PAGE)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(postings.map((p) => p.externalId)).toEqual(["fine"])
    expect(errors).toEqual([
      "JSON-LD block 1 of 3: nested deeper than 64 levels; the deeper part was not read",
      "JSON-LD block 2 of 3: nested deeper than 64 levels; the deeper part was not read",
      "JSON-LD block 2 of 3, JobPosting 1: nested deeper than 64 levels; skipped"
    ])
    const big = extractJobPostings(page(script(`{"@type": "JobPosting", "description": "${"x".repeat(6_000_000)}"}`)), PAGE)
    expect(big.postings).toEqual([])
    expect(big.errors[0]).toMatch(/^JSON-LD block 1 of 1: \d+ characters, over the 5000000 limit/)
  })
})

describe("contentHashOf", () => {
  it("is the sha256 of the canonical JSON: sorted keys, no whitespace", () => {
    const expected = createHash("sha256").update('{"a":[3,{"x":null,"y":"é"}],"b":1}').digest("hex")
    expect(contentHashOf({ b: 1, a: [3, { y: "é", x: null }] })).toBe(expected)
  })

  it("ignores key order and undefined members, but not array order or values", () => {
    const base = contentHashOf({ title: "Data Scientist", tags: ["a", "b"], n: 1 })
    expect(contentHashOf({ n: 1, tags: ["a", "b"], title: "Data Scientist", skip: undefined })).toBe(base)
    expect(contentHashOf({ title: "Data Scientist", tags: ["b", "a"], n: 1 })).not.toBe(base)
    expect(contentHashOf({ title: "Data Scientist ", tags: ["a", "b"], n: 1 })).not.toBe(base)
    expect(contentHashOf({ title: "Data Scientist", tags: ["a", "b"], n: "1" })).not.toBe(base)
  })

  it("hashes every JSON value, and refuses cycles", () => {
    for (const value of [null, 0, "", [], {}, true, Number.NaN]) expect(contentHashOf(value)).toMatch(/^[0-9a-f]{64}$/)
    expect(contentHashOf(new Date("2024-01-01T00:00:00Z"))).toBe(contentHashOf("2024-01-01T00:00:00.000Z"))
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => contentHashOf(cyclic)).toThrow(TypeError)
  })

  it("gives the same hash for a posting found twice", () => {
    const html = page(script(FULL_POSTING))
    const [first] = extractJobPostings(html, PAGE).postings
    const [second] = extractJobPostings(html.replace("<h1>Jobs</h1>", "<h1>Open jobs</h1>"), PAGE).postings
    expect(contentHashOf(first!.payload)).toBe(contentHashOf(second!.payload))
  })
})
