import { createHash } from "node:crypto"
import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Job } from "../schemas/Job.js"
import { glassdoorRows, simplifyListings } from "./sampleData.js"
import type { RawFields, RawPosting } from "../schemas/RawPosting.js"
import {
  canonicalUrl,
  cleanCompanyName,
  cleanLocations,
  companyKey,
  htmlToText,
  isRemote,
  MAX_DESCRIPTION_LENGTH,
  normalizeEmploymentType,
  normalizePosting,
  parseSalary,
  parseSalaryText,
  salaryPeriodOf,
  toCalendarDate
} from "./normalize.js"
import { jobIdOf } from "../schemas/Job.js"

// Real data lives beside the project in development; a fresh clone may not have it, and those tests then skip.

const NOW = new Date("2024-06-10T12:00:00.000Z")

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

// Row 0 of glassdoor_jobs.csv, shortened.
const TECOLOTE_DESCRIPTION = `Data Scientist
Location: Albuquerque, NM
Education Required: Bachelor’s degree required, preferably in math, engineering, business, or the sciences.
Skills Required:
Bachelor’s Degree in relevant field, e.g., math, data analysis, database, computer science, Artificial Intelligence (AI); three years’ experience credit for Master’s degree; five years’ experience credit for a Ph.D
Benefits:
We offer competitive salaries commensurate with education and experience. We have an excellent benefits package that includes:
Comprehensive health, dental, life, long and short term disability insurance
100% Company funded Retirement Plans

Benefits are provided to employees regularly working a minimum of 30 hours per week.`

describe("htmlToText", () => {
  it("keeps the lines and paragraphs of a plain-text description (Glassdoor row 0)", () => {
    expect(htmlToText(TECOLOTE_DESCRIPTION)).toBe(TECOLOTE_DESCRIPTION)
  })

  it("strips a stray tag without flattening the plain text around it (Glassdoor row 133)", () => {
    const text = "<h>The Startup</h2>\n\nLocated in breathtaking downtown Santa Barbara, Briq is altering the landscape.\n\n<h>The Skinny</h2>\n\nBriq is ready."
    expect(htmlToText(text)).toBe(
      "The Startup\n\nLocated in breathtaking downtown Santa Barbara, Briq is altering the landscape.\n\nThe Skinny\n\nBriq is ready."
    )
  })

  it("drops the stray CDATA terminator that 25 Glassdoor descriptions end with", () => {
    expect(htmlToText("Apply at www.caterpillar.com/careers.]]>")).toBe("Apply at www.caterpillar.com/careers.")
    expect(htmlToText("<p>Apply now.</p>\n\n]]&gt;")).toBe("Apply now.")
    expect(htmlToText("<div><![CDATA[Inside CDATA]]></div>")).toBe("Inside CDATA")
  })

  it("fixes the character damage found in the real descriptions", () => {
    // "Â" + no-break space (row 587), soft hyphen (row 474), narrow no-break space (row 178),
    // a Wingdings bullet in the private use area (row 678), a ligature (row 622).
    expect(htmlToText("JOB Duties\n\n\u00c2\u00a0Develop SQL and Python queries")).toBe("JOB Duties\n\nDevelop SQL and Python queries")
    expect(htmlToText("assist with data \u00adrelated technical issues")).toBe("assist with data related technical issues")
    expect(htmlToText("At our\u202fgrowing Indianapolis-based technology")).toBe("At our growing Indianapolis-based technology")
    expect(htmlToText("Minimum requirements\n\uf0a7Master’s degree (PhD preferred)")).toBe("Minimum requirements\n• Master’s degree (PhD preferred)")
    expect(htmlToText("research in \ufb01elds such as sensor science")).toBe("research in fields such as sensor science")
  })

  it("renders paragraphs, headings, line breaks, lists and tables as lines", () => {
    const html =
      "<h2>About us</h2><p>We build <b>data</b> tools.<br>Since 2010.</p>" +
      "<ul><li>Python</li><li>SQL &amp; dbt</li></ul><p>Benefits:</p><ol><li>Health</li></ol>" +
      "<table><tr><td>Level</td><td>Senior</td></tr><tr><td>Team</td><td>Data</td></tr></table>"
    expect(htmlToText(html)).toBe(
      "About us\n\nWe build data tools.\nSince 2010.\n\n• Python\n• SQL & dbt\n\nBenefits:\n\n• Health\n\nLevel Senior\nTeam Data"
    )
  })

  it("collapses source whitespace in HTML but keeps <pre> as written", () => {
    expect(htmlToText("<p>  Many   spaces\n and\tnewlines  </p>\n\n\n<p>next</p>")).toBe("Many spaces and newlines\n\nnext")
    expect(htmlToText("<p>Example:</p><pre>line 1\n  line 2</pre>")).toBe("Example:\n\nline 1\nline 2")
  })

  it("decodes named and numeric entities, and drops scripts, styles and comments", () => {
    expect(htmlToText("<p>We&rsquo;re hiring &ndash; R&amp;D&nbsp;team &#8220;now&#8221; &#x2713; &eacute;</p>")).toBe(
      "We’re hiring – R&D team “now” ✓ é"
    )
    expect(htmlToText("<div>Visible<script>var x = '<p>hidden</p>'</script><style>p { color: red }</style><!-- note --></div>")).toBe("Visible")
    expect(htmlToText("Plain text with entities: AT&amp;T &lt;3 &quot;quoted&quot;")).toBe('Plain text with entities: AT&T <3 "quoted"')
  })

  it("unescapes HTML that a source escaped twice", () => {
    expect(htmlToText("&lt;p&gt;Hello &amp;amp; welcome&lt;/p&gt;&lt;ul&gt;&lt;li&gt;SQL&lt;/li&gt;&lt;li&gt;Spark&lt;/li&gt;&lt;/ul&gt;")).toBe(
      "Hello & welcome\n\n• SQL\n• Spark"
    )
  })

  it("leaves text that only looks like markup alone", () => {
    expect(htmlToText("Join <intent> today")).toBe("Join <intent> today")
    expect(htmlToText("Primary Location: NE > OMAHA > IMMANUEL\nBS with >10 years or a < b")).toBe(
      "Primary Location: NE > OMAHA > IMMANUEL\nBS with >10 years or a < b"
    )
  })

  it("does not double an existing bullet inside a list item", () => {
    expect(htmlToText("<ul><li>• Python</li><li>- SQL</li></ul>")).toBe("• Python\n• SQL")
  })

  it("handles empty, whitespace-only and garbage input", () => {
    expect(htmlToText("")).toBe("")
    expect(htmlToText("   \n\t  ")).toBe("")
    expect(htmlToText("<p> </p><div></div><br><br>")).toBe("")
    expect(htmlToText("<<<>>>&&&;;;</p></div>")).toBe("<<<>>>&&&;;;")
    expect(htmlToText(undefined as unknown as string)).toBe("")
  })

  it("survives huge and deeply nested input", () => {
    const nested = "<div>".repeat(100_000) + "deep" + "</div>".repeat(100_000)
    expect(htmlToText(nested)).toBe("deep")
    const deepList = "<ul>".repeat(5_000) + "<li>a &amp; b</li><li>c<script>x()</script></li>" + "</ul>".repeat(5_000)
    expect(htmlToText(deepList)).toBe("• a & b\n• c")
    const big = "<p>" + "word ".repeat(1_000_000) + "</p>"
    const started = Date.now()
    const text = htmlToText(big)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(text.length).toBeGreaterThan(1_000_000)
  })
})

describe("parseSalaryText", () => {
  const usdYear = (min: number | null, max: number | null) => ({ min, max, currency: "USD", period: "YEAR" })

  it.each([
    // Every format that occurs in glassdoor_jobs.csv.
    ["$53K-$91K (Glassdoor est.)", usdYear(53_000, 91_000)],
    ["$17-$24 Per Hour(Glassdoor est.)", { min: 17, max: 24, currency: "USD", period: "HOUR" }],
    ["Employer Provided Salary:$150K-$160K", usdYear(150_000, 160_000)],
    ["$110K-$150K(Employer est.)", usdYear(110_000, 150_000)],
    ["Employer Provided Salary:$25-$28 Per Hour", { min: 25, max: 28, currency: "USD", period: "HOUR" }],
    ["$15K-$16K(Employer est.)", usdYear(15_000, 16_000)]
  ])("reads the real Glassdoor format %j", (text, expected) => {
    expect(parseSalaryText(text)).toEqual(expected)
  })

  it.each([
    ["$25-$35 Per Hour", { min: 25, max: 35, currency: "USD", period: "HOUR" }],
    ["£40,000 - £50,000 a year", { min: 40_000, max: 50_000, currency: "GBP", period: "YEAR" }],
    ["€60k", { min: 60_000, max: 60_000, currency: "EUR", period: "YEAR" }],
    ["USD 120,000-150,000", usdYear(120_000, 150_000)],
    ["$120,000 - $150,000 USD per year", usdYear(120_000, 150_000)],
    ["Up to $100k", usdYear(null, 100_000)],
    ["From $80,000/yr", usdYear(80_000, null)],
    ["$80k+", usdYear(80_000, null)],
    ["$53-91K", usdYear(53_000, 91_000)],
    ["$91K-$53K", usdYear(53_000, 91_000)],
    ["between $50k and $60k annually", usdYear(50_000, 60_000)],
    ["$100k-$120k + 10% bonus", usdYear(100_000, 120_000)],
    ["$100k–$120k plus 401(k)", usdYear(100_000, 120_000)],
    ["$50,000 CAD", { min: 50_000, max: 50_000, currency: "CAD", period: "YEAR" }],
    ["CA$60,000 - CA$70,000 per year", { min: 60_000, max: 70_000, currency: "CAD", period: "YEAR" }],
    ["€3.500 - €4.500 per month", { min: 3_500, max: 4_500, currency: "EUR", period: "MONTH" }],
    ["45.50 USD per hour", { min: 45.5, max: 45.5, currency: "USD", period: "HOUR" }],
    ["60,5k €", { min: 60_500, max: 60_500, currency: "EUR", period: "YEAR" }],
    ["JPY 5,000,000 per year", { min: 5_000_000, max: 5_000_000, currency: "JPY", period: "YEAR" }],
    ["£400 - £500 per day", { min: 400, max: 500, currency: "GBP", period: "DAY" }],
    ["$1,200/week", { min: 1_200, max: 1_200, currency: "USD", period: "WEEK" }]
  ])("reads %j", (text, expected) => {
    expect(parseSalaryText(text)).toEqual(expected)
  })

  it.each([
    ["-1", "Glassdoor's marker for no estimate"],
    ["", "empty"],
    ["Competitive", "no amount"],
    ["$25-$35", "no period, and hourly-sized amounts"],
    ["€3.500 - €4.500", "no period, and monthly-sized amounts"],
    ["¥5,000,000", "¥ is yen or yuan"],
    ["50,000 - 60,000", "no currency"],
    ["$20/hr or $40k/yr", "two periods"],
    ["€50k (~$55k)", "two currencies"],
    ["$100k, $120k, $140k", "three amounts"],
    ["$50k bonus after 2 years", "unconnected numbers"],
    ["$120,000 per hour", "implausible for an hour"],
    ["$12 per year", "implausible for a year"],
    ["x".repeat(10_000) + "$50k", "longer than any salary line"]
  ])("gives null for %j (%s)", (text) => {
    expect(parseSalaryText(text)).toBeNull()
  })

  it("uses the structured currency and period as defaults", () => {
    expect(parseSalaryText("50,000 - 60,000", { currency: "EUR", period: "YEAR" })).toEqual({
      min: 50_000,
      max: 60_000,
      currency: "EUR",
      period: "YEAR"
    })
  })
})

describe("parseSalary (structured fields)", () => {
  it("reads schema.org-style min/max/currency/unit", () => {
    expect(parseSalary({ min: 50_000, max: 70_000, currency: "USD", unit: "YEAR" })).toEqual({
      min: 50_000,
      max: 70_000,
      currency: "USD",
      period: "YEAR"
    })
  })

  it.each([
    ["HOUR", "HOUR"], ["per hour", "HOUR"], ["Hourly", "HOUR"], ["hr", "HOUR"], ["PT1H", "HOUR"],
    ["DAY", "DAY"], ["daily", "DAY"], ["P1D", "DAY"],
    ["WEEK", "WEEK"], ["Weekly", "WEEK"], ["per week", "WEEK"],
    ["MONTH", "MONTH"], ["MONTHLY", "MONTH"], ["per month", "MONTH"], ["P1M", "MONTH"],
    ["YEAR", "YEAR"], ["yearly", "YEAR"], ["annual", "YEAR"], ["Annually", "YEAR"], ["per annum", "YEAR"], ["P1Y", "YEAR"]
  ])("maps the unit %j", (unit, period) => {
    expect(salaryPeriodOf(unit)).toBe(period)
  })

  it.each([
    ["per-year-salary", "YEAR"], ["per-month-salary", "MONTH"], ["per-week-salary", "WEEK"], ["per-day-wage", "DAY"],
    ["per-hour-wage", "HOUR"], ["PER_YEAR_SALARY", "YEAR"], ["Per Hour Wage", "HOUR"], [" per.month.salary ", "MONTH"],
    ["1 YEAR", "YEAR"], ["hourly rate", "HOUR"], ["day rate", "DAY"], ["annual salary", "YEAR"]
  ])("maps Lever's salary interval (and other suffixed units) %j", (unit, period) => {
    expect(salaryPeriodOf(unit)).toBe(period)
  })

  it.each(["one-time", "ONE_TIME", "One Time", "salary", "wage", "per-salary", "base salary"])("gives no period for %j", (unit) => {
    expect(salaryPeriodOf(unit)).toBeNull()
  })

  it("reads a Lever salary range by its interval, and drops a one-time amount rather than guess a period", () => {
    const yearly = { min: 53_000, max: 91_000, currency: "USD" }
    expect(parseSalary({ ...yearly, unit: "per-year-salary" })).toEqual({ ...yearly, period: "YEAR" })
    expect(parseSalary({ min: 10, max: 17, currency: "USD", unit: "per-hour-wage" })?.period).toBe("HOUR")
    expect(parseSalary({ min: 4_000, max: 5_000, currency: "EUR", unit: "per-month-salary" })?.period).toBe("MONTH")
    expect(parseSalary({ min: 20_000, max: 20_000, currency: "USD", unit: "one-time" })).toBeNull()
  })

  it("normalizes currency spellings", () => {
    expect(parseSalary({ min: 30, max: 40, currency: "usd", unit: "HOUR" })?.currency).toBe("USD")
    expect(parseSalary({ min: 30, max: 40, currency: "$", unit: "HOUR" })?.currency).toBe("USD")
    expect(parseSalary({ min: 30, max: 40, currency: "€", unit: "HOUR" })?.currency).toBe("EUR")
    expect(parseSalary({ min: 30, max: 40, currency: "US$", unit: "HOUR" })?.currency).toBe("USD")
  })

  it("treats one value as min = max and swaps reversed bounds", () => {
    expect(parseSalary({ min: 85_000, max: 85_000, currency: "USD", unit: "YEAR" })).toEqual({ min: 85_000, max: 85_000, currency: "USD", period: "YEAR" })
    expect(parseSalary({ min: 90_000, max: 60_000, currency: "USD", unit: "YEAR" })).toEqual({ min: 60_000, max: 90_000, currency: "USD", period: "YEAR" })
    expect(parseSalary({ max: 90_000, currency: "USD", unit: "YEAR" })).toEqual({ min: null, max: 90_000, currency: "USD", period: "YEAR" })
  })

  it("infers a year only from a large amount in a known currency", () => {
    expect(parseSalary({ min: 120_000, max: 150_000, currency: "USD" })?.period).toBe("YEAR")
    expect(parseSalary({ min: 30, max: 40, currency: "USD" })).toBeNull()
    expect(parseSalary({ min: 400_000, max: 500_000, currency: "JPY" })).toBeNull()
  })

  it("falls back to the text when there are no numbers", () => {
    expect(parseSalary({ text: "$53K-$91K (Glassdoor est.)" })).toEqual({ min: 53_000, max: 91_000, currency: "USD", period: "YEAR" })
    expect(parseSalary({ text: "45,000 - 55,000", currency: "GBP", unit: "YEAR" })).toEqual({ min: 45_000, max: 55_000, currency: "GBP", period: "YEAR" })
  })

  it.each<[RawFields["salary"], string]>([
    [{ min: 50_000, max: 70_000, unit: "YEAR" }, "no currency"],
    [{ min: 50_000, max: 70_000, currency: "USD", unit: "per project" }, "unknown unit"],
    [{ min: 25, max: 30, currency: "USD", unit: "YEAR" }, "hourly amounts labelled YEAR"],
    [{ min: 90_000, max: 120_000, currency: "USD", unit: "HOUR" }, "yearly amounts labelled HOUR"],
    [{ min: 0, max: 0, currency: "USD", unit: "YEAR" }, "zero means not disclosed"],
    [{ min: Number.NaN, max: Number.POSITIVE_INFINITY, currency: "USD", unit: "YEAR" }, "not numbers"],
    [{}, "nothing"]
  ])("gives null for %j (%s)", (salary) => {
    expect(parseSalary(salary)).toBeNull()
  })

  it("gives null without a salary", () => {
    expect(parseSalary(undefined)).toBeNull()
  })
})

describe("normalizeEmploymentType", () => {
  it.each([
    [["FULL_TIME"], "FULL_TIME"], [["Full-time"], "FULL_TIME"], [["full time"], "FULL_TIME"], [["Fulltime"], "FULL_TIME"],
    [["Permanent"], "FULL_TIME"], [["PART_TIME"], "PART_TIME"], [["Part-Time"], "PART_TIME"],
    [["CONTRACTOR"], "CONTRACTOR"], [["contract"], "CONTRACTOR"], [["Contract-to-hire"], "CONTRACTOR"], [["Freelance"], "CONTRACTOR"],
    [["TEMPORARY"], "TEMPORARY"], [["temp"], "TEMPORARY"], [["Seasonal"], "TEMPORARY"],
    [["INTERN"], "INTERN"], [["Internship"], "INTERN"], [["co-op"], "INTERN"],
    [["VOLUNTEER"], "VOLUNTEER"], [["PER_DIEM"], "PER_DIEM"], [["per diem"], "PER_DIEM"], [["PRN"], "PER_DIEM"],
    [["OTHER"], "OTHER"], [["Regular Full-Time Employee"], "FULL_TIME"],
    [["something else", "PART_TIME"], "PART_TIME"], [["FULL_TIME", "CONTRACTOR"], "FULL_TIME"]
  ])("maps %j to %s", (types, expected) => {
    expect(normalizeEmploymentType(types)).toBe(expected)
  })

  it("gives null for unknown or missing types", () => {
    expect(normalizeEmploymentType(["gibberish"])).toBeNull()
    expect(normalizeEmploymentType([])).toBeNull()
    expect(normalizeEmploymentType(undefined)).toBeNull()
  })

  it.each([
    // Real titles: Glassdoor, then SimplifyJobs.
    ["Data Engineer 5 - Contract (Remote)", "CONTRACTOR"],
    ["Sr. Data Engineer - Contract-to-Hire (Java)", "CONTRACTOR"],
    ["Data Science Intern", "INTERN"],
    ["Part Time – Clinical Robot Associate - Chicago - IL", "PART_TIME"],
    ["Trading Card Specialist - Temp-to-hire", "TEMPORARY"],
    ["Data Associate - 6 Month Contract", "CONTRACTOR"],
    ["Alchemy Analyst - Technical Writer - Part or Full Time", null],
    ["Contract Manager", null],
    ["Government Contracts Specialist", null],
    ["Internal Audit Analyst", null],
    ["Data Scientist", null]
  ])("reads the title %j when the source gives no type", (title, expected) => {
    expect(normalizeEmploymentType(undefined, title)).toBe(expected)
  })

  it("prefers the source's type over the title", () => {
    expect(normalizeEmploymentType(["FULL_TIME"], "Data Science Intern")).toBe("FULL_TIME")
  })
})

describe("isRemote and cleanLocations", () => {
  it.each([
    [undefined, ["Remote in USA"], "Software Engineer", true],
    [undefined, ["NYC"], "Software Engineer - NY Remote", true],
    [undefined, ["Chicago, IL"], "Data Engineer 5 - Contract (Remote)", true],
    [undefined, ["Work from home"], "Analyst", true],
    [undefined, ["Anywhere"], "Analyst", true],
    [true, ["Boston, MA"], "Analyst", true],
    [undefined, ["Boston, MA"], "Remote Sensing Scientist", false],
    [undefined, ["Hybrid - Remote 2 days a week"], "Analyst", false],
    [undefined, ["Non-remote"], "Analyst", false],
    [undefined, ["New York, NY"], "Data Scientist", false],
    [false, [], "Data Scientist", false]
  ])("remote flag %j, locations %j, title %j -> %j", (flag, locations, title, expected) => {
    expect(isRemote(flag, locations, title)).toBe(expected)
  })

  it("trims, cleans, dedupes and drops placeholders", () => {
    expect(
      cleanLocations([" New York ,  NY ", "new york, ny", "-1", "N/A", "", "  ", "REMOTE", "remote", "São Paulo &amp; Rio", "Austin, TX,", "Remote in UK"])
    ).toEqual(["New York, NY", "Remote", "São Paulo & Rio", "Austin, TX", "Remote in UK"])
  })

  it("ignores non-strings and bounds the list", () => {
    expect(cleanLocations([42, null, "Denver, CO"] as unknown as Array<string>)).toEqual(["Denver, CO"])
    expect(cleanLocations(Array.from({ length: 500 }, (_, i) => `City ${i}`))).toHaveLength(50)
    expect(cleanLocations(undefined)).toEqual([])
  })
})

describe("toCalendarDate", () => {
  it.each([
    ["2024-05-01", "2024-05-01"],
    ["2024-05-01T10:00:00Z", "2024-05-01"],
    ["2024-05-01T23:30:00-05:00", "2024-05-01"],
    ["2024-05-01T10:00:00.123+0200", "2024-05-01"],
    ["2024-05-01 10:00:00", "2024-05-01"],
    ["2024-5-1", "2024-05-01"],
    ["2024/05/01", "2024-05-01"],
    ["20240501", "2024-05-01"],
    ["2024-02-29", "2024-02-29"],
    ["1714605534", "2024-05-01"],
    ["1714605534000", "2024-05-01"],
    ["May 1, 2024", "2024-05-01"],
    ["1 May 2024", "2024-05-01"],
    ["Sept. 3, 2023", "2023-09-03"]
  ])("reads %j", (input, expected) => {
    expect(toCalendarDate(input)).toBe(expected)
  })

  it.each([
    "", "   ", "not a date", "2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "05/01/2024", "2024-05-01T99:99",
    "2024-05-01 garbage", "1850-01-01", "30+ days ago", "Smarch 3, 2024"
  ])("gives null for %j", (input) => {
    expect(toCalendarDate(input, NOW)).toBeNull()
  })

  it("resolves relative dates against now", () => {
    expect(toCalendarDate("today", NOW)).toBe("2024-06-10")
    expect(toCalendarDate("Just posted", NOW)).toBe("2024-06-10")
    expect(toCalendarDate("yesterday", NOW)).toBe("2024-06-09")
    expect(toCalendarDate("Posted 3 days ago", NOW)).toBe("2024-06-07")
    expect(toCalendarDate("2 weeks ago", NOW)).toBe("2024-05-27")
    expect(toCalendarDate("13 hours ago", NOW)).toBe("2024-06-09")
    expect(toCalendarDate("3 days ago")).toBeNull()
  })
})

describe("canonicalUrl", () => {
  it.each([
    ["HTTPS://WWW.Example.COM:443/Jobs/123/?utm_source=x&b=2&a=1#apply", "https://example.com/Jobs/123?a=1&b=2"],
    ["http://example.com:80/", "http://example.com"],
    ["https://example.com:8443/x/", "https://example.com:8443/x"],
    ["https://user:secret@example.com/x", "https://example.com/x"],
    // SimplifyJobs URLs: identifying parameters stay, sorted.
    ["https://boards.greenhouse.io/embed/job_app?for=gemini&token=5905734&gh_jid=5905734", "https://boards.greenhouse.io/embed/job_app?for=gemini&gh_jid=5905734&token=5905734"],
    ["https://www.wayfair.com/careers/jobs/7471733002?gh_jid=7471733002&gh_src=abc123", "https://wayfair.com/careers/jobs/7471733002?gh_jid=7471733002"],
    ["https://jobs.lever.co/weride/a102c558-c365-48cf-b1ae-766037509e5c/apply?lever-source%5B%5D=LinkedIn&lever-origin=applied", "https://jobs.lever.co/weride/a102c558-c365-48cf-b1ae-766037509e5c/apply"],
    ["https://www.linkedin.com/jobs/view/3912345678/?refId=abc&trackingId=xyz%3D%3D&trk=public_jobs", "https://linkedin.com/jobs/view/3912345678"],
    ["https://x.com/j?gclid=1&fbclid=2&msclkid=3&mc_cid=4&mc_eid=5&_hsenc=6&_hsmi=7&ref=8&referrer=9&source=10&src=11&UTM_Campaign=12&id=7", "https://x.com/j?id=7"],
    ["https://jobs.jobvite.com/splunk-careers/job/oeTxsfwQ?nl=1&nl=1&fr=false", "https://jobs.jobvite.com/splunk-careers/job/oeTxsfwQ?fr=false&nl=1&nl=1"],
    ["https://x.com/a%2fb", "https://x.com/a%2Fb"],
    ["https://www.com/x", "https://www.com/x"],
    ["https://example.com./x", "https://example.com/x"]
  ])("%s -> %s", (input, expected) => {
    expect(canonicalUrl(input)).toBe(expected)
    expect(canonicalUrl(expected)).toBe(expected)
  })

  it("keeps a single-page app's route in the fragment", () => {
    expect(canonicalUrl("https://careers.example.com/#/jobs/123?utm_source=x")).toBe("https://careers.example.com#/jobs/123?utm_source=x")
    expect(canonicalUrl("https://careers.example.com/#!/job/5")).toBe("https://careers.example.com#!/job/5")
  })

  it("keeps the scheme as it is", () => {
    expect(canonicalUrl("http://example.com/x")).not.toBe(canonicalUrl("https://example.com/x"))
  })

  it.each(["", "not a url", "/relative/path", "ftp://example.com/x", "javascript:alert(1)", "mailto:jobs@example.com", `https://x.com/${"a".repeat(5000)}`])(
    "gives null for %j",
    (input) => {
      expect(canonicalUrl(input)).toBeNull()
    }
  )
})

describe("companyKey", () => {
  it.each([
    ["Tecolote Research, Inc.", "tecolote-research"],
    ["Tecolote Research\n3.8", "tecolote-research"],
    ["Karyopharm Therapeutics Inc.", "karyopharm-therapeutics"],
    ["Remedy BPCI Partners, LLC.", "remedy-bpci-partners"],
    ["Oportun. Inc", "oportun"],
    ["Adyen N.V.", "adyen"],
    ["HP Inc.", "hp"],
    ["The Hanover Insurance Group", "hanover-insurance-group"],
    ["L&T Infotech", "l-t-infotech"],
    ["Logic20/20", "logic20-20"],
    ["<intent>\n4.6", "intent"],
    ["Société Générale S.A.", "societe-generale"],
    ["Müller GmbH & Co. KG", "muller"],
    ["Acme Pty Ltd", "acme"],
    ["Nordisk A/S", "nordisk"],
    ["SAP SE", "sap"],
    ["Ford Motor Company", "ford-motor"],
    ["Macy's", "macys"],
    ["Truckstop.com", "truckstopcom"],
    ["Яндекс", "яндекс"],
    ["Inc.", "inc"],
    ["!!!", ""]
  ])("%j -> %j", (name, key) => {
    expect(companyKey(name)).toBe(key)
  })

  it("gives spelling variants of one company the same key", () => {
    expect(companyKey("Blue Cross & Blue Shield of Rhode Island")).toBe(companyKey("Blue Cross and Blue Shield of Rhode Island"))
    expect(companyKey("U.S. Bank")).toBe(companyKey("US Bank"))
    expect(companyKey("Walt Disney Co.")).toBe(companyKey("The Walt Disney Company"))
    expect(companyKey("ACME CORP")).toBe(companyKey("Acme Corporation"))
    expect(companyKey("NCR Voyix")).toBe(companyKey("NCR"))
    expect(companyKey("Meta Platforms, Inc.")).toBe(companyKey("Facebook"))
    expect(companyKey("NCR Atleos")).not.toBe(companyKey("NCR"))
  })

  it("cleans company names for display", () => {
    expect(cleanCompanyName("Tecolote Research\n3.8")).toBe("Tecolote Research")
    expect(cleanCompanyName("  AT&amp;T  ")).toBe("AT&T")
    expect(cleanCompanyName("<intent>\n4.6")).toBe("<intent>")
  })
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
