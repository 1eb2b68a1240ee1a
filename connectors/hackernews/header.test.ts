import { describe, expect, it } from "vitest"
import { fixture, glassdoorSalary } from "../demo-site/catalog.js"
import { careersUrl, hnHeader } from "../replay/feeds.js"
import { headerLine, parseHeader } from "./header.js"

describe("parseHeader on hand-written lines in the styles seen in real threads", () => {
  it.each([
    [
      "Acme Corp (YC S19) | Senior Backend Engineer | San Francisco, CA or Remote (US) | Full-time | $150k-$200k | https://acme.com/jobs",
      {
        company: "Acme Corp",
        title: "Senior Backend Engineer",
        locations: ["San Francisco, CA", "Remote (US)"],
        remote: true,
        employmentType: ["Full-time"],
        salary: { min: 150_000, max: 200_000, currency: "USD", text: "$150k-$200k" },
        url: "https://acme.com/jobs"
      }
    ],
    [
      "Wish | REMOTE | Data Scientist | 120-160k EUR | wish.com/careers",
      {
        company: "Wish",
        title: "Data Scientist",
        locations: [],
        remote: true,
        employmentType: [],
        salary: { min: 120_000, max: 160_000, currency: "EUR", text: "120-160k EUR" },
        url: "https://wish.com/careers"
      }
    ],
    [
      "Bar | Staff ML Engineer | REMOTE or ONSITE (NYC) | $180k+ equity | VISA",
      {
        company: "Bar",
        title: "Staff ML Engineer",
        locations: ["NYC"],
        remote: true,
        employmentType: [],
        salary: { min: 180_000, currency: "USD", text: "$180k+ equity" }
      }
    ],
    [
      "FLEETCOR | Senior Operations Data Analyst | Nashville, TN | ONSITE | $10-$17/hr | Part-time / Contract",
      {
        company: "FLEETCOR",
        title: "Senior Operations Data Analyst",
        locations: ["Nashville, TN"],
        remote: false,
        employmentType: ["Part-time", "Contract"],
        salary: { min: 10, max: 17, currency: "USD", unit: "HOUR", text: "$10-$17/hr" }
      }
    ],
    [
      "Foo | Senior Engineer (Remote) | Python, Django, Postgres | up to £90,000",
      {
        company: "Foo",
        title: "Senior Engineer (Remote)",
        locations: [],
        remote: true,
        employmentType: [],
        salary: { max: 90_000, currency: "GBP", text: "up to £90,000" }
      }
    ],
    [
      "Amount — Data Scientist — Chicago, IL — Hybrid",
      { company: "Amount", title: "Data Scientist", locations: ["Chicago, IL"], remote: false, employmentType: [] }
    ],
    [
      "Porch is hiring a Data Scientist in Seattle, WA. Remote OK. $81k-$130k https://porch.example/careers",
      {
        company: "Porch",
        title: "Data Scientist",
        locations: ["Seattle, WA"],
        remote: true,
        employmentType: [],
        salary: { min: 81_000, max: 130_000, currency: "USD", text: "$81k-$130k" },
        url: "https://porch.example/careers"
      }
    ],
    [
      "Avlino | Data Scientist | New Jersey | Full-time, Remote | Not remote for managers",
      { company: "Avlino", title: "Data Scientist", locations: ["New Jersey"], remote: true, employmentType: ["Full-time"] }
    ],
    ["We are a small team building tools for scientists.", { locations: [], employmentType: [] }]
  ])("%s", (line, expected) => {
    expect(parseHeader(line)).toEqual(expected)
  })

  it("prefers the link's href to a shortened URL in the text", () => {
    expect(parseHeader("Acme | Engineer | https://acme.com/jo...", "https://acme.com/jobs/42").url).toBe("https://acme.com/jobs/42")
  })
})

describe("headerLine", () => {
  it("reads the first paragraph as text, with HN's entities decoded and the full href", () => {
    const html =
      'Blue Cross &amp; Blue Shield | Analyst&#x2F;Engineer | <a href="https:&#x2F;&#x2F;bcbs.example&#x2F;careers&#x2F;42" rel="nofollow">https:&#x2F;&#x2F;bcbs.example&#x2F;car...</a><p>We&#x27;re hiring.'
    expect(headerLine(html)).toEqual({
      line: "Blue Cross & Blue Shield | Analyst/Engineer | https://bcbs.example/car...",
      href: "https://bcbs.example/careers/42"
    })
  })

  it.each([
    ["<p>header<p>body (2020)", "<p>Acme Corp | Senior Engineer | Berlin, Germany | REMOTE | $150k-$180k<p>We are hiring engineers."],
    ["<p>header</p><p>body</p> (2023)", "<p>Acme Corp | Senior Engineer | Berlin, Germany | REMOTE | $150k-$180k</p><p>We are hiring engineers.</p>"],
    ["a blank first paragraph", "<p> </p>\n<p>Acme Corp | Senior Engineer | Berlin, Germany | REMOTE | $150k-$180k</p><p>We are hiring.</p>"]
  ])("finds the header in a comment wrapped in paragraphs: %s", (_form, html) => {
    const { line } = headerLine(html)
    expect(line).toBe("Acme Corp | Senior Engineer | Berlin, Germany | REMOTE | $150k-$180k")
    expect(parseHeader(line)).toEqual({
      company: "Acme Corp",
      title: "Senior Engineer",
      locations: ["Berlin, Germany"],
      remote: true,
      employmentType: [],
      salary: { min: 150_000, max: 180_000, currency: "USD", text: "$150k-$180k" }
    })
  })
})

describe("parseHeader on the replayed thread's headers, built from real postings", () => {
  const rows = fixture().slice(0, 40)
  // Rows whose title contains a separator of their own are left to the other styles.
  const clean = rows.map((row, i) => [row, i] as const).filter(([row]) => !/[|—]/.test(row.title))

  it.each(clean.filter(([, i]) => i % 5 !== 3).map(([row, i]) => [`${row.company}: ${row.title} (style ${i % 5})`, row, i] as const))(
    "%s",
    (_name, row, i) => {
      const header = parseHeader(hnHeader(row, i).replace("{{careers-link}}", careersUrl(row)))
      expect(header.company).toBe(row.company)
      expect(header.title).toBe(row.title)
      const pay = glassdoorSalary(row.salaryText)
      if (i % 5 === 0) {
        expect(header).toMatchObject({ locations: [row.location], remote: false, url: careersUrl(row) })
        if (pay !== null) expect(header.salary).toMatchObject({ min: pay.minValue, max: pay.maxValue, currency: "USD" })
      }
      if (i % 5 === 1) {
        expect(header).toMatchObject({ locations: [row.location, "REMOTE (US)"], remote: true, employmentType: ["Full-time"] })
        if (pay?.unitText === "YEAR") expect(header.salary).toMatchObject({ min: pay.minValue, max: pay.maxValue, currency: "EUR" })
      }
      if (i % 5 === 2) expect(header).toMatchObject({ locations: [], remote: true })
      if (i % 5 === 4) expect(header).toMatchObject({ locations: [row.location], remote: false })
    }
  )

  it("finds the company in every sentence-style header", () => {
    for (const [row, i] of clean.filter(([, i]) => i % 5 === 3)) {
      expect(parseHeader(hnHeader(row, i)).company).toBe(row.company)
    }
  })
})
