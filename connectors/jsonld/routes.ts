import { createCheerioRouter, createPlaywrightRouter, NonRetryableError, type Request } from "crawlee"
import { extractJobPostings, type FoundPosting } from "./extract.js"
import { readSitemap } from "./sitemap.js"

/** What the routes hand their findings to; the crawler wires it to the Publisher. */
export interface Findings {
  readonly posting: (found: FoundPosting) => Promise<void>
  readonly malformed: (url: string, reason: string, body: string) => Promise<void>
}

export interface RouteOptions {
  /** Globs of the links worth following from a page (listings, pagination, job pages); none: follow nothing. */
  readonly follow: ReadonlyArray<string>
}

/** The label of sitemap requests; every other request is a career page. */
export const SITEMAP = "sitemap"

/**
 * Career pages as served, for Crawlee's CheerioCrawler: JobPosting JSON-LD is read from every page (job pages
 * and sometimes listings carry it) and the `follow` links are queued. Sitemaps queue what they list.
 */
export const makeRoutes = (findings: Findings, options: RouteOptions) => {
  const router = createCheerioRouter()
  router.addHandler(SITEMAP, async ({ request, response, body, addRequests }) =>
    readSitemapPage(findings, { request, addRequests }, response.statusCode ?? 0, bodyText(body))
  )
  router.addDefaultHandler(async ({ request, body, enqueueLinks }) =>
    readCareerPage(findings, options, { request, enqueueLinks }, bodyText(body))
  )
  return router
}

/**
 * The same routes for Crawlee's PlaywrightCrawler: a career page is read from the DOM once the page has loaded,
 * so JSON-LD that the page's scripts added by then is found; a sitemap is read from the response body.
 */
export const makeRenderedRoutes = (findings: Findings, options: RouteOptions) => {
  const router = createPlaywrightRouter()
  router.addHandler(SITEMAP, async ({ request, response, addRequests }) =>
    readSitemapPage(findings, { request, addRequests }, response?.status() ?? 0, (await response?.text()) ?? "")
  )
  router.addDefaultHandler(async ({ request, page, enqueueLinks }) =>
    readCareerPage(findings, options, { request, enqueueLinks }, await page.content())
  )
  return router
}

// ---------------------------------------------------------------------------------------------------------------

interface PageContext {
  readonly request: Request
  readonly enqueueLinks: (options: { globs: Array<string>; strategy: "same-domain" }) => Promise<unknown>
}

interface SitemapContext {
  readonly request: Request
  readonly addRequests: (requests: Array<{ url: string; label?: string }>) => Promise<unknown>
}

const readCareerPage = async (findings: Findings, options: RouteOptions, context: PageContext, html: string) => {
  const url = context.request.loadedUrl ?? context.request.url
  const { postings, errors } = extractJobPostings(html, url)
  for (const found of postings) await findings.posting(found)
  if (errors.length > 0) await findings.malformed(url, errors.join("; "), html)
  // Without globs Crawlee would follow every link of the site.
  if (options.follow.length > 0) await context.enqueueLinks({ globs: [...options.follow], strategy: "same-domain" })
}

/**
 * A sitemap that answers an error status fails its request (a sitemap we cannot read hides pages); one that is
 * not a sitemap is malformed. The crawler checks every listed URL against robots.txt and maxRequests.
 */
const readSitemapPage = async (findings: Findings, context: SitemapContext, status: number, xml: string) => {
  const url = context.request.loadedUrl ?? context.request.url
  if (status < 200 || status >= 300) throw new NonRetryableError(`the sitemap ${url} answered ${status}`)
  const { pages, sitemaps, error } = readSitemap(xml, url)
  if (error !== undefined) return findings.malformed(url, error, xml)
  await context.addRequests([...sitemaps.map((sitemap) => ({ url: sitemap, label: SITEMAP })), ...pages.map((page) => ({ url: page }))])
}

const bodyText = (body: string | Buffer): string => (typeof body === "string" ? body : body.toString("utf8"))
