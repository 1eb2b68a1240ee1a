import { escapeHtml, type fixture, glassdoorSalary, REFERENCE_DATE, textToHtml } from "../demo-site/catalog.js"

/**
 * Response bodies of the feed and search sources (Remote OK, We Work Remotely, Hacker News via Algolia, Adzuna,
 * USAJOBS), built from real postings (`../demo-site/postings.json`) in each source's documented shape. Used by
 * the connectors' tests and served by the replay server. Pure functions of their arguments: no clock, no
 * randomness, so a test knows what a crawl must find.
 */

/** One row of `postings.json`. */
export type FeedRow = ReturnType<typeof fixture>[number]

// ---------------------------------------------------------------------------------------------------------------
// Remote OK: GET /api, a JSON array whose first element is the legal notice

export const REMOTEOK_LEGAL =
  "API Terms of Service: Please link back (with follow, and without nofollow!) to the URL on Remote OK and " +
  "mention Remote OK as a source, so we get traffic back from your site. If you do not we'll have to suspend API access."

export const remoteokId = (row: FeedRow): string => String(1_090_000 + row.sourceRow)

export const remoteokJobs = (rows: ReadonlyArray<FeedRow>): string => {
  const jobs = rows.map((row, i) => {
    const id = remoteokId(row)
    const slug = `remote-${slugOf(`${row.title} ${row.company}`)}-${id}`
    const pay = glassdoorSalary(row.salaryText)
    const yearly = pay !== null && pay.unitText !== "HOUR"
    return {
      slug,
      id,
      epoch: Math.floor(postedAt(i).getTime() / 1000),
      date: postedAt(i).toISOString().replace(".000Z", "+00:00"),
      company: row.company,
      company_logo: "",
      position: row.title,
      tags: (row.industry ?? "data").toLowerCase().split(/\s*&\s*|\s*,\s*/),
      description: textToHtml(row.description),
      location: row.location,
      // The feed writes 0 when the job states no salary; it has no hourly pay.
      salary_min: yearly ? pay.minValue : 0,
      salary_max: yearly ? pay.maxValue : 0,
      apply_url: `https://remoteOK.com/remote-jobs/${slug}`,
      logo: "",
      url: `https://remoteOK.com/remote-jobs/${slug}`
    }
  })
  return JSON.stringify([{ last_updated: Math.floor(postedAt(0).getTime() / 1000), legal: REMOTEOK_LEGAL }, ...jobs])
}

// ---------------------------------------------------------------------------------------------------------------
// We Work Remotely: RSS 2.0, descriptions alternately in CDATA and entity-escaped

export const WWR_REGIONS = ["Anywhere in the World", "USA Only", "North America Only"] as const
export const WWR_TYPES = ["Full-Time", "Contract"] as const

export const wwrLink = (row: FeedRow): string =>
  `https://weworkremotely.com/remote-jobs/${slugOf(`${row.company} ${row.title}`)}-${row.sourceRow}`

export const wwrFeed = (rows: ReadonlyArray<FeedRow>, category = "All Other Remote"): string => {
  const items = rows.map((row, i) => {
    const html = textToHtml(row.description)
    // `textToHtml` escapes ">", so the stray "]]>" in Glassdoor descriptions cannot end the CDATA section.
    const description = i % 2 === 0 ? `<![CDATA[${html}]]>` : escapeHtml(html)
    const region = WWR_REGIONS[i % WWR_REGIONS.length]!
    const country = region === "USA Only" ? "🇺🇸 United States of America" : region === "North America Only" ? "🇺🇸 United States of America, 🇨🇦 Canada" : ""
    return [
      "<item>",
      `<title>${escapeHtml(`${row.company}: ${row.title}`)}</title>`,
      `<region>${region}</region>`,
      `<country>${country}</country>`,
      `<type>${WWR_TYPES[i % WWR_TYPES.length]}</type>`,
      `<category>${escapeHtml(category)}</category>`,
      `<media:content url="https://wwr-pro.s3.amazonaws.com/logos/${row.sourceRow}.png" type="image/png"/>`,
      `<description>${description}</description>`,
      `<pubDate>${rfc822(postedAt(i))}</pubDate>`,
      `<expires_at>${rfc822(new Date(postedAt(i).getTime() + 30 * DAY))}</expires_at>`,
      `<guid>${wwrLink(row)}</guid>`,
      `<link>${wwrLink(row)}</link>`,
      "</item>"
    ].join("\n")
  })
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">',
    `<channel><title>We Work Remotely: ${escapeHtml(category)}</title><link>https://weworkremotely.com/</link>`,
    ...items,
    "</channel></rss>"
  ].join("\n")
}

// ---------------------------------------------------------------------------------------------------------------
// Hacker News via Algolia: the search for the latest thread, and the thread with its comments

export const HN_THREAD_TITLE = "Ask HN: Who is hiring? (June 2024)"

export const hnSearch = (threadId: number): string => {
  const at = Math.floor(postedAt(2).getTime() / 1000)
  const hit = (objectID: number, title: string, createdAt: number) => ({
    objectID: String(objectID),
    title,
    author: "whoishiring",
    created_at: new Date(createdAt * 1000).toISOString(),
    created_at_i: createdAt,
    _tags: ["story", "author_whoishiring", `story_${objectID}`, "ask_hn"]
  })
  // whoishiring posts three threads at once; only one is "Who is hiring?".
  const hits = [
    hit(threadId + 2, "Ask HN: Who wants to be hired? (June 2024)", at),
    hit(threadId + 1, "Ask HN: Freelancer? Seeking freelancer? (June 2024)", at),
    hit(threadId, HN_THREAD_TITLE, at),
    hit(threadId - 1000, "Ask HN: Who is hiring? (May 2024)", at - 31 * 86_400)
  ]
  return JSON.stringify({ hits, nbHits: hits.length, page: 0, nbPages: 1, hitsPerPage: 20, query: "who is hiring" })
}

/** The comment id of `rows[i]` in `hnThread(rows, threadId)`. */
export const hnCommentId = (threadId: number, i: number): number => threadId + 100 + i

/**
 * The thread: one top-level comment per row, its header in one of five real styles (pipes with ONSITE and a
 * link, pipes with "or REMOTE (US)" and a euro range, a YC batch with REMOTE, a sentence, em dashes with Hybrid);
 * plus one deleted comment (third) and a reply under every seventh comment. The paragraphs take, by turns, the
 * three forms Algolia has served: `header<p>body` (the header unwrapped), `<p>header<p>body` (captures from 2020)
 * and `<p>header</p><p>body</p>` (captures from 2023).
 */
export const hnThread = (rows: ReadonlyArray<FeedRow>, threadId: number): string => {
  const comments = rows.map((row, i) => {
    const id = hnCommentId(threadId, i)
    const at = Math.floor(postedAt(2).getTime() / 1000) + 600 * (i + 1)
    const reply = {
      ...commentBase(id + 10_000, at + 60, "curious_dev", id, threadId),
      text: "Is this role open to contractors?"
    }
    return {
      ...commentBase(id, at, `hiring_${slugOf(row.company).slice(0, 12)}`, threadId, threadId),
      text: hnParagraphs([hnHeader(row, i), ...row.description.split(/\n+/)].map(hnEscape), i)
        .split(CAREERS_LINK)
        .join(hnLink(careersUrl(row))),
      children: i % 7 === 3 ? [reply] : []
    }
  })
  const deleted = { ...commentBase(threadId + 99, Math.floor(postedAt(2).getTime() / 1000) + 30, null, threadId, threadId), text: null }
  const at = Math.floor(postedAt(2).getTime() / 1000)
  return JSON.stringify({
    ...commentBase(threadId, at, "whoishiring", null, threadId),
    type: "story",
    title: HN_THREAD_TITLE,
    text: "Please state the location and include REMOTE for remote work, REMOTE (US) or similar if the country is restricted, and ONSITE when remote work is <i>not</i> an option.",
    points: 420,
    children: [...comments.slice(0, 2), deleted, ...comments.slice(2)]
  })
}

/** Where the careers link goes in a header line; no posting contains it. */
export const CAREERS_LINK = "{{careers-link}}"

/** The header line of row `i`'s comment, as plain text, with `CAREERS_LINK` where the link goes. */
export const hnHeader = (row: FeedRow, i: number): string => {
  const pay = glassdoorSalary(row.salaryText)
  const dollars =
    pay === null
      ? undefined
      : pay.unitText === "HOUR"
        ? `$${pay.minValue}-$${pay.maxValue}/hr`
        : `$${pay.minValue / 1000}k-$${pay.maxValue / 1000}k`
  switch (i % 5) {
    case 0:
      return [row.company, row.title, row.location, "ONSITE", dollars, CAREERS_LINK].filter(Boolean).join(" | ")
    case 1: {
      const euros = pay === null || pay.unitText === "HOUR" ? undefined : `${pay.minValue / 1000}-${pay.maxValue / 1000}k EUR`
      return [row.company, row.title, `${row.location} or REMOTE (US)`, "Full-time", euros].filter(Boolean).join(" | ")
    }
    case 2:
      return [`${row.company} (YC W20)`, row.title, "REMOTE", dollars].filter(Boolean).join(" | ")
    case 3:
      return `${row.company} is hiring a ${row.title} in ${row.location}. Apply at ${CAREERS_LINK}`
    default:
      return `${row.company} — ${row.title} — ${row.location} — Hybrid`
  }
}

export const careersUrl = (row: FeedRow): string =>
  `https://${slugOf(row.company)}.example/careers/${slugOf(row.title)}-${row.sourceRow}`

const commentBase = (id: number, at: number, author: string | null, parent: number | null, story: number) => ({
  id,
  created_at: new Date(at * 1000).toISOString(),
  created_at_i: at,
  type: "comment",
  author,
  points: null,
  parent_id: parent,
  story_id: story,
  children: [] as Array<unknown>,
  options: []
})

/** The comment's paragraphs in the form `i` takes (see `hnThread`). */
const hnParagraphs = (paragraphs: ReadonlyArray<string>, i: number): string =>
  i % 3 === 0
    ? paragraphs.join("<p>")
    : i % 3 === 1
      ? paragraphs.map((p) => `<p>${p}`).join("")
      : paragraphs.map((p) => `<p>${p}</p>`).join("")

/** HN's escaping: `&#x27;` and `&#x2F;` besides the usual entities. */
const hnEscape = (text: string): string =>
  text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#x27;")
    .replace(/\//g, "&#x2F;")

/** HN shows long links shortened with "..." but keeps the whole URL in `href`. */
const hnLink = (url: string): string => {
  const shown = url.length > 40 ? `${url.slice(0, 37)}...` : url
  return `<a href="${hnEscape(url)}" rel="nofollow">${hnEscape(shown)}</a>`
}

// ---------------------------------------------------------------------------------------------------------------
// Adzuna: GET /v1/api/jobs/{country}/search/{page}

export const adzunaId = (row: FeedRow): string => String(4_700_000_000 + row.sourceRow)

/** Page `page` (1-based) of a search whose matches are `rows`; `count` is all of them, as the API reports. */
export const adzunaSearch = (rows: ReadonlyArray<FeedRow>, page: number, resultsPerPage = 50): string => {
  const start = (page - 1) * resultsPerPage
  const results = rows.slice(start, start + resultsPerPage).map((row, k) => {
    const i = start + k
    const pay = glassdoorSalary(row.salaryText)
    const id = adzunaId(row)
    // Adzuna estimates a salary when the ad states none, and says so in salary_is_predicted.
    const salary =
      pay === null
        ? { salary_min: 70_000 + row.sourceRow * 10, salary_max: 70_000 + row.sourceRow * 10, salary_is_predicted: "1" }
        : pay.unitText === "HOUR"
          ? {}
          : { salary_min: pay.minValue, salary_max: pay.maxValue, salary_is_predicted: "0" }
    const text = row.description.replace(/\s+/g, " ").trim()
    return {
      __CLASS__: "Adzuna::API::Response::Job",
      id,
      adref: `eyJhbGciOiJIUzI1NiJ9.${id}`,
      title: row.title,
      description: text.length > 500 ? `${text.slice(0, 500)}…` : text,
      created: postedAt(i).toISOString().replace(".000Z", "Z"),
      redirect_url: `https://www.adzuna.com/land/ad/${id}?se=demo&utm_medium=api&utm_source=demo&v=1`,
      company: { __CLASS__: "Adzuna::API::Response::Company", display_name: row.company },
      location: {
        __CLASS__: "Adzuna::API::Response::Location",
        display_name: row.location,
        area: ["US", ...row.location.split(/\s*,\s*/).reverse()]
      },
      category: { __CLASS__: "Adzuna::API::Response::Category", label: "IT Jobs", tag: "it-jobs" },
      contract_type: i % 4 === 3 ? "contract" : "permanent",
      contract_time: i % 5 === 4 ? "part_time" : "full_time",
      ...salary
    }
  })
  return JSON.stringify({ __CLASS__: "Adzuna::API::Response::JobSearchResults", count: rows.length, mean: 98_765.43, results })
}

// ---------------------------------------------------------------------------------------------------------------
// USAJOBS: GET /api/search?Keyword=&Page=&ResultsPerPage=

export const usajobsId = (row: FeedRow): string => String(790_000_000 + row.sourceRow)

export const usajobsSearch = (rows: ReadonlyArray<FeedRow>, page: number, resultsPerPage = 500): string => {
  const start = (page - 1) * resultsPerPage
  const items = rows.slice(start, start + resultsPerPage).map((row, k) => {
    const i = start + k
    const id = usajobsId(row)
    const pay = glassdoorSalary(row.salaryText)
    const lines = row.description.split("\n").map((l) => l.trim()).filter((l) => l !== "")
    const day = postedAt(i).toISOString().slice(0, 10)
    const close = new Date(postedAt(i).getTime() + 14 * DAY).toISOString().slice(0, 10)
    return {
      MatchedObjectId: id,
      MatchedObjectDescriptor: {
        PositionID: `DS-24-${row.sourceRow}`,
        PositionTitle: row.title,
        PositionURI: `https://www.usajobs.gov:443/GetJob/ViewDetails/${id}`,
        ApplyURI: [`https://www.usajobs.gov:443/GetJob/ViewDetails/${id}?PostingChannelID=RESTAPI`],
        PositionLocationDisplay: row.location,
        PositionLocation: [{ LocationName: row.location, CountryCode: "United States", CityName: row.location }],
        OrganizationName: row.company,
        DepartmentName: row.industry ?? "Department of Commerce",
        JobCategory: [{ Name: "Data Science Series", Code: "1560" }],
        JobGrade: [{ Code: "GS" }],
        PositionSchedule: [{ Name: i % 5 === 4 ? "Part-time" : "Full-time", Code: i % 5 === 4 ? "2" : "1" }],
        PositionOfferingType: [{ Name: i % 4 === 3 ? "Temporary" : "Permanent", Code: i % 4 === 3 ? "15327" : "15317" }],
        QualificationSummary: `Applicants must show one year of specialized experience (${row.company}, ${row.location}).`,
        PositionRemuneration:
          pay === null
            ? []
            : [
                pay.unitText === "HOUR"
                  ? { MinimumRange: `${pay.minValue}.0`, MaximumRange: `${pay.maxValue}.0`, RateIntervalCode: "PH", Description: "Per Hour" }
                  : { MinimumRange: `${pay.minValue}.0`, MaximumRange: `${pay.maxValue}.0`, RateIntervalCode: "PA", Description: "Per Year" }
              ],
        PositionStartDate: `${day}T00:00:00.0000`,
        PositionEndDate: `${close}T23:59:59.9970`,
        PublicationStartDate: `${day}T00:00:00.0000`,
        ApplicationCloseDate: `${close}T23:59:59.9970`,
        UserArea: {
          Details: {
            JobSummary: lines[0] ?? row.title,
            WhoMayApply: { Name: "United States Citizens", Code: "15514" },
            LowGrade: "12",
            HighGrade: "13",
            MajorDuties: lines.slice(1, 7),
            TeleworkEligible: i % 2 === 0,
            RemoteIndicator: i % 6 === 5
          },
          IsRadialSearch: false
        }
      },
      RelevanceRank: 0
    }
  })
  return JSON.stringify({
    LanguageCode: "EN",
    SearchParameters: {},
    SearchResult: {
      SearchResultCount: items.length,
      SearchResultCountAll: rows.length,
      SearchResultItems: items,
      UserArea: { NumberOfPages: String(Math.max(1, Math.ceil(rows.length / resultsPerPage))), IsRadialSearch: false }
    }
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

const DAY = 86_400_000

/** Row `i` was posted `i` days before the reference date, at 09:00 UTC. */
const postedAt = (i: number): Date => new Date(Date.parse(`${REFERENCE_DATE}T09:00:00Z`) - i * DAY)

const rfc822 = (date: Date): string => date.toUTCString().replace("GMT", "+0000")

const slugOf = (text: string): string =>
  text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
