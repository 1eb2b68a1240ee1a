import { load } from "cheerio"
import type { RawFields } from "../../schemas/RawPosting.js"
import { compact, excerpt, failed, httpUrl, joinUrl, quote, text } from "../apiSupport.js"
import type { ApiPage, ApiPosting, ApiRequest, BoardConfig, SourceApi } from "../SourceApi.js"

/**
 * We Work Remotely's RSS 2.0 feeds: `/remote-jobs.rss` (all categories) or `/categories/{category}.rss`, where
 * `board.board` is the category slug (`remote-programming-jobs`, ...). Pure: no I/O, never throws on content.
 *
 * Guarantees:
 * - a body without an RSS 2.0 `<rss><channel>` is one entry in `errors` and no postings (the XML parser itself
 *   accepts anything, so this is the check that the body is a feed);
 * - descriptions are returned as the HTML they encode, whether the feed wraps them in CDATA or escapes them;
 * - an item without a `guid` or an http(s) `link` is skipped with an error naming it; the others are returned;
 * - RFC 822 dates (`pubDate`, `expires_at`) become ISO 8601 strings; a date that does not parse is left out.
 */

const PUBLIC_HOST = "https://weworkremotely.com"
const SOURCE = "weworkremotely"
/** Category slugs as they appear in WWR's feed URLs; anything else would change the path. */
const CATEGORY = /^[a-z0-9][a-z0-9-]*$/

export const weworkremotelyApi: SourceApi = {
  type: SOURCE,
  // A feed lists the latest jobs only: a job missing from it may still be open.
  listsWholeBoard: false,
  start: (board: BoardConfig): ReadonlyArray<ApiRequest> => {
    const category = board.board?.trim()
    if (category !== undefined && category !== "" && !CATEGORY.test(category)) {
      throw new Error(
        `${board.source}: "${category}" is not a We Work Remotely category slug (e.g. remote-programming-jobs)`
      )
    }
    const path = category ? `/categories/${category}.rss` : "/remote-jobs.rss"
    return [{ url: joinUrl(board.baseUrl ?? PUBLIC_HOST, path), label: "feed" }]
  },
  parse: (body: string): ApiPage => {
    const $ = load(typeof body === "string" ? body : "", { xml: true })
    if ($("rss > channel").length === 0) {
      return failed(`${SOURCE}: the body is not an RSS 2.0 feed: ${excerpt(body)}`)
    }
    const postings: Array<ApiPosting> = []
    const errors: Array<string> = []
    $("rss > channel > item").each((index, element) => {
      // The item's child elements as name -> text; repeated elements keep their first value.
      const item: Record<string, string> = {}
      for (const child of $(element).children().toArray()) item[child.tagName] ??= $(child).text().trim()
      const posting = postingOf(item, index)
      if (typeof posting === "string") errors.push(posting)
      else postings.push(posting)
    })
    return { postings, next: [], errors }
  }
}

const postingOf = (item: Readonly<Record<string, string>>, index: number): ApiPosting | string => {
  const url = httpUrl(item.link) ?? httpUrl(item.guid)
  const externalId = text(item.guid) ?? url
  if (externalId === undefined || url === undefined) {
    return `${SOURCE}: item ${index + 1} (${quote(item.title ?? "")}) has no guid or link; skipped`
  }
  // WWR's feed page asks users of the feed to link back to We Work Remotely.
  return { externalId, url, fields: fieldsOf(item), payload: item, attribution: { text: "We Work Remotely", url } }
}

const fieldsOf = (item: Readonly<Record<string, string>>): RawFields => {
  // "Company: Job title"; the job title itself may contain a colon, the company name does not.
  const heading = text(item.title)
  const cut = heading?.indexOf(": ") ?? -1
  const locations = [
    text(item.region),
    // `country` lists countries separated by commas, each after its flag emoji.
    ...(item.country ?? "").split(",").map((c) => text(c.replace(/\p{Regional_Indicator}/gu, "")))
  ].filter((l): l is string => l !== undefined)
  const type = text(item.type)
  return compact({
    title: cut > 0 ? text(heading!.slice(cut + 2)) : heading,
    company: cut > 0 ? text(heading!.slice(0, cut)) : undefined,
    description: text(item.description),
    locations: locations.length > 0 ? [...new Set(locations)] : undefined,
    // The whole board is remote jobs; `region` says from where one may work.
    remote: true,
    employmentType: type === undefined ? undefined : [type],
    datePosted: rfc822ToIso(item.pubDate),
    validThrough: rfc822ToIso(item.expires_at)
  })
}

/** RSS dates are RFC 822 ("Mon, 03 Jun 2024 09:00:00 +0000"), which the normalizer does not read. */
const rfc822ToIso = (value: string | undefined): string | undefined => {
  const time = Date.parse(text(value) ?? "")
  return Number.isNaN(time) ? undefined : new Date(time).toISOString()
}
