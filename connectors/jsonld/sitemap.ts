import { load } from "cheerio"

/**
 * What one sitemap document lists (sitemaps.org protocol, XML only): pure, no I/O, never throws.
 *
 * Guarantees:
 * - a `<urlset>` yields the `<loc>` of each `<url>` in `pages`; a `<sitemapindex>` yields the `<loc>` of each
 *   `<sitemap>` in `sitemaps`; each in document order, trimmed, resolved against the sitemap's URL, once;
 * - only http(s) URLs of the sitemap's own origin are returned: the protocol lets a sitemap speak for its own
 *   host only, so a foreign or empty `<loc>` is left out;
 * - a document that is neither (an HTML error page, text, another root element) yields `error` and no URLs.
 */
export interface SitemapEntries {
  readonly pages: ReadonlyArray<string>
  readonly sitemaps: ReadonlyArray<string>
  readonly error?: string
}

export const readSitemap = (xml: string, sitemapUrl: string): SitemapEntries => {
  const $ = load(xml, { xml: true })
  const root = $.root().children().first()
  const name = root.prop("tagName")?.toLowerCase()
  if (name !== "urlset" && name !== "sitemapindex") {
    const found = name === undefined ? "no root element" : `the root element is <${name}>`
    return { pages: [], sitemaps: [], error: `not a sitemap: ${found}, not <urlset> or <sitemapindex>` }
  }
  const origin = new URL(sitemapUrl).origin
  const own = new Set<string>()
  for (const loc of root.children(name === "urlset" ? "url" : "sitemap").children("loc")) {
    const url = resolve($(loc).text().trim(), sitemapUrl)
    if (url?.origin === origin) own.add(url.href)
  }
  return name === "urlset" ? { pages: [...own], sitemaps: [] } : { pages: [], sitemaps: [...own] }
}

const resolve = (loc: string, base: string): URL | undefined => {
  if (loc === "") return undefined
  try {
    const url = new URL(loc, base)
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined
  } catch {
    return undefined
  }
}
