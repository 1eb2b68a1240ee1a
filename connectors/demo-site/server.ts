import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import {
  demoCatalog,
  escapeHtml,
  fixture,
  jobPostingJsonLd,
  renderedPages,
  renderedPath,
  textToHtml,
  withoutSlugs,
  type DemoCatalog,
  type DemoPage
} from "./catalog.js"
import { isRemoteRow } from "../replay/boards.js"
import { replayAnswer, sendAnswer, type ReplayType } from "../replay/server.js"

/**
 * A local careers site that the main job crawls over real HTTP (node:http only):
 *
 *   GET /careers?page=N                 listing, 20 jobs a page, `rel="next"`/`rel="prev"` links
 *   GET /careers/jobs/<slug>            a job page: the posting rendered, and its JSON-LD in the head
 *   GET /careers/rendered               listing of the script-driven copies (`renderedPages`), not paginated
 *   GET /careers/rendered/jobs/<slug>   such a copy: the same page without JSON-LD, plus an inline script that
 *                                       adds the same JSON-LD to the head on DOMContentLoaded
 *   GET /robots.txt                     allows everything but `disallow`, names the sitemap index
 *   GET /sitemap-index.xml              a sitemap index of the two sitemaps below
 *   GET /sitemap.xml                    every job page
 *   GET /sitemap-rendered.xml           every script-driven copy
 *   GET /replay/<type>/...              the same real postings as eleven job-source APIs answer them
 *                                       (connectors/replay/server.ts), each type listing its own overlapping
 *                                       slice (`replaySlices`), so one job reaches the pipeline from several
 *                                       sources; ETags and 304s included
 *
 * Anything else is 404 (405 for methods other than GET and HEAD). The content is `demoCatalog(count)`; tests
 * change it while the site runs with `setCount`, `remove` and `fail`.
 */

export const PAGE_SIZE = 20

export interface DemoSiteOptions {
  /** Default 127.0.0.1. */
  readonly host?: string
  /** Default 0: an ephemeral port. */
  readonly port?: number
  /** Postings to publish; default 60 (the fixture's size). */
  readonly count?: number
  /** Path prefixes robots.txt disallows for every user agent; default none. */
  readonly disallow?: ReadonlyArray<string>
}

export interface DemoSite {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:39127`. */
  readonly url: string
  /** What the site serves right now (after `setCount` and `remove`). */
  readonly catalog: () => DemoCatalog
  /** Publishes `count` postings from now on; removed pages stay removed. */
  readonly setCount: (count: number) => void
  /** Takes a job page down (404 from now on, gone from listing and sitemap); false if no such page. */
  readonly remove: (slug: string) => boolean
  /**
   * Breaks a job page and its script-driven copy: 503 from now on, though still listed and in the sitemaps (a
   * back end that is down, not a posting that is gone); false if no such page.
   */
  readonly fail: (slug: string) => boolean
  readonly close: () => Promise<void>
}

export const startDemoSite = async (options: DemoSiteOptions = {}): Promise<DemoSite> => {
  let full = demoCatalog(options.count ?? 60)
  const removed = new Set<string>()
  const failing = new Set<string>()
  let current = full
  let bySlug = new Map(current.pages.map((page) => [page.slug, page]))
  let rendered = renderedPages(current)
  const refresh = () => {
    current = withoutSlugs(full, removed)
    bySlug = new Map(current.pages.map((page) => [page.slug, page]))
    rendered = renderedPages(current)
  }
  const disallow = options.disallow ?? []

  let baseUrl = ""
  const server = createServer((request, response) => {
    try {
      route(request, response, { baseUrl, catalog: current, bySlug, rendered, failing, disallow })
    } catch (error) {
      send(response, request, 500, "text/plain; charset=utf-8", `internal error: ${String(error)}`)
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address
  baseUrl = `http://${host}:${address.port}`

  return {
    url: baseUrl,
    catalog: () => current,
    setCount: (count) => {
      full = demoCatalog(count)
      refresh()
    },
    remove: (slug) => {
      if (!bySlug.has(slug)) return false
      removed.add(slug)
      refresh()
      return true
    },
    fail: (slug) => {
      if (!bySlug.has(slug)) return false
      failing.add(slug)
      return true
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
  }
}

// ---------------------------------------------------------------------------------------------------------------

interface State {
  readonly baseUrl: string
  readonly catalog: DemoCatalog
  readonly bySlug: ReadonlyMap<string, DemoPage>
  readonly rendered: ReadonlyArray<DemoPage>
  readonly failing: ReadonlySet<string>
  readonly disallow: ReadonlyArray<string>
}

const HTML = "text/html; charset=utf-8"
const XML = "application/xml; charset=utf-8"
const XML_DECLARATION = `<?xml version="1.0" encoding="UTF-8"?>\n`
const SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"

const route = (request: IncomingMessage, response: ServerResponse, state: State): void => {
  const url = new URL(request.url ?? "/", state.baseUrl)
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("Allow", "GET, HEAD")
    return send(response, request, 405, "text/plain; charset=utf-8", "method not allowed\n")
  }
  if (url.pathname === "/robots.txt") {
    const rules = [...state.disallow.map((path) => `Disallow: ${path}`), "Allow: /"].join("\n")
    return send(response, request, 200, "text/plain; charset=utf-8", `User-agent: *\n${rules}\n\nSitemap: ${state.baseUrl}/sitemap-index.xml\n`)
  }
  if (url.pathname === "/sitemap-index.xml") {
    const sitemaps = ["/sitemap.xml", "/sitemap-rendered.xml"].map((path) => `  <sitemap><loc>${state.baseUrl}${path}</loc></sitemap>`)
    return send(response, request, 200, XML, `${XML_DECLARATION}<sitemapindex xmlns="${SITEMAP_NS}">\n${sitemaps.join("\n")}\n</sitemapindex>\n`)
  }
  if (url.pathname === "/sitemap.xml") {
    return send(response, request, 200, XML, urlset(state, state.catalog.pages.map((page) => [page, page.path])))
  }
  if (url.pathname === "/sitemap-rendered.xml") {
    return send(response, request, 200, XML, urlset(state, state.rendered.map((page) => [page, renderedPath(page.slug)])))
  }
  if (url.pathname === "/careers" || url.pathname === "/careers/") {
    const pageParam = url.searchParams.get("page") ?? "1"
    const page = /^\d{1,6}$/.test(pageParam) ? Number(pageParam) : NaN
    const pages = Math.max(1, Math.ceil(state.catalog.pages.length / PAGE_SIZE))
    if (!(page >= 1 && page <= pages)) return notFound(request, response)
    return send(response, request, 200, HTML, listing(state, page, pages))
  }
  if (url.pathname === "/careers/rendered" || url.pathname === "/careers/rendered/") {
    return send(response, request, 200, HTML, renderedListing(state))
  }
  if (url.pathname.startsWith("/replay/")) {
    const inner = new URL(`${url.pathname.slice("/replay".length)}${url.search}`, url)
    const answer = replayAnswer(inner, request.headers, replayRows)
    if (answer === undefined) return notFound(request, response)
    return void sendAnswer(request, response, answer)
  }
  const job = /^\/careers\/(rendered\/)?jobs\/([a-z0-9-]+)\/?$/.exec(url.pathname)
  const rendered = job?.[1] !== undefined
  const page = job ? (rendered ? state.rendered.find((p) => p.slug === job[2]) : state.bySlug.get(job[2]!)) : undefined
  if (page === undefined) return notFound(request, response)
  if (state.failing.has(page.slug)) return send(response, request, 503, "text/plain; charset=utf-8", "service unavailable\n")
  return send(response, request, 200, HTML, jobPage(state, page, rendered))
}

/**
 * Which rows of the fixture each replayed source lists: 15 to 25 postings each, offset so that every posting is on
 * two or three of them (and on the careers pages), as a job is on its ATS board and in the feeds at once.
 */
export const replaySlices: Readonly<Record<ReplayType, readonly [number, number]>> = {
  greenhouse: [0, 25],
  lever: [15, 40],
  ashby: [30, 55],
  smartrecruiters: [40, 60],
  recruitee: [5, 30],
  workable: [20, 45],
  remoteok: [0, 60],
  weworkremotely: [0, 60],
  hackernews: [10, 30],
  adzuna: [25, 50],
  usajobs: [45, 60]
}

/** Remote OK and We Work Remotely list remote jobs only: their slices keep just the remote postings. */
const replayRows = (type: ReplayType) => {
  const rows = fixture().slice(...replaySlices[type])
  return type === "remoteok" || type === "weworkremotely" ? rows.filter(isRemoteRow) : rows
}

const send = (response: ServerResponse, request: IncomingMessage, status: number, type: string, body: string): void => {
  const bytes = Buffer.from(body, "utf8")
  response.writeHead(status, { "Content-Type": type, "Content-Length": bytes.length, "Cache-Control": "no-store" })
  response.end(request.method === "HEAD" ? undefined : bytes)
}

const notFound = (request: IncomingMessage, response: ServerResponse): void =>
  send(response, request, 404, HTML, document("Not found", "<h1>Not found</h1><p><a href=\"/careers\">All jobs</a></p>"))

const document = (title: string, body: string, head = ""): string =>
  `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n${head}</head>\n<body>\n${body}\n</body>\n</html>\n`

const listing = (state: State, page: number, pages: number): string => {
  const slice = state.catalog.pages.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE)
  const href = (n: number) => `/careers?page=${n}`
  const prev = page > 1 ? href(page - 1) : null
  const next = page < pages ? href(page + 1) : null
  const head = [prev && `<link rel="prev" href="${prev}">`, next && `<link rel="next" href="${next}">`]
    .filter(Boolean)
    .map((l) => `${l}\n`)
    .join("")
  const items = slice.map((p) => listItem(p, p.path)).join("\n")
  const nav = [prev && `<a rel="prev" href="${prev}">Previous</a>`, next && `<a rel="next" href="${next}">Next</a>`]
    .filter(Boolean)
    .join(" ")
  return document(
    `Careers, page ${page} of ${pages}`,
    `<h1>Open positions</h1>\n<p>Page ${page} of ${pages}</p>\n<ul class="jobs">\n${items}\n</ul>\n<nav class="pagination">${nav}</nav>`,
    head
  )
}

const renderedListing = (state: State): string =>
  document(
    "Careers (new site)",
    `<h1>Open positions</h1>\n<ul class="jobs">\n${state.rendered.map((p) => listItem(p, renderedPath(p.slug))).join("\n")}\n</ul>`
  )

const listItem = (page: DemoPage, path: string): string => {
  const { title, company, location } = summaryOf(page)
  return `<li class="job"><a href="${path}">${escapeHtml(title)}</a> <span class="company">${escapeHtml(company)}</span> <span class="location">${escapeHtml(location)}</span></li>`
}

const summaryOf = (page: DemoPage): { title: string; company: string; location: string } => {
  switch (page.kind) {
    case "posting":
    case "syndicated":
      return { title: page.posting.title, company: page.posting.company, location: page.posting.location }
    case "malformed":
      return { title: "Data Engineer", company: "Broken Markup Inc.", location: "Remote" }
    case "invalid":
      return { title: "Untitled role", company: "", location: "Boston, MA" }
  }
}

/** A job page; `rendered`: the script-driven copy, whose JSON-LD exists only once its inline script has run. */
const jobPage = (state: State, page: DemoPage, rendered: boolean): string => {
  const { title, company, location } = summaryOf(page)
  const description =
    page.kind === "posting" || page.kind === "syndicated"
      ? textToHtml(page.posting.description)
      : "<p>We are hiring. Details to follow.</p>"
  const salary =
    (page.kind === "posting" || page.kind === "syndicated") && page.posting.salaryText !== null
      ? `<p class="salary">${escapeHtml(page.posting.salaryText)}</p>\n`
      : ""
  const jsonLd = jobPostingJsonLd(page, state.baseUrl)
  const head =
    `<link rel="canonical" href="${state.baseUrl}${page.kind === "syndicated" ? page.original.path : page.path}">\n` +
    (rendered ? injectJsonLd(jsonLd) : `<script ${scriptType(page)}>\n${jsonLd}\n</script>\n`)
  return document(
    company === "" ? title : `${title} at ${company}`,
    `<p><a href="/careers">All jobs</a></p>\n<article class="job">\n<h1>${escapeHtml(title)}</h1>\n` +
      `<p class="company">${escapeHtml(company)}</p>\n<p class="location">${escapeHtml(location)}</p>\n${salary}` +
      `<div class="description">\n${description}\n</div>\n</article>`,
    head
  )
}

/** The type attribute as real sites write it: mostly plain, sometimes with a parameter or in other cases. */
const scriptType = (page: DemoPage): string => {
  const n = [...page.slug].reduce((sum, c) => sum + c.charCodeAt(0), 0) % 4
  return n === 1
    ? `type="application/ld+json; charset=utf-8"`
    : n === 3
      ? `TYPE='Application/LD+JSON'`
      : `type="application/ld+json"`
}

/**
 * An inline script that adds the JSON-LD to the head at DOMContentLoaded, as client-rendered career sites do. The
 * JSON (already `<`-escaped, so safe inside this script) is serialized again with `<` escaped, so that the DOM,
 * serialized back to HTML, cannot close the new element early.
 */
const injectJsonLd = (jsonLd: string): string =>
  `<script>\ndocument.addEventListener("DOMContentLoaded", () => {\n` +
  `  const data = ${jsonLd}\n` +
  `  const element = document.createElement("script")\n` +
  `  element.type = "application/ld+json"\n` +
  `  element.textContent = JSON.stringify(data).replace(/</g, "\\\\u003c")\n` +
  `  document.head.append(element)\n` +
  `})\n</script>\n`

const urlset = (state: State, entries: ReadonlyArray<readonly [DemoPage, string]>): string => {
  const urls = entries
    .map(([page, path]) => {
      const lastmod = page.kind === "posting" || page.kind === "syndicated" ? `<lastmod>${page.posting.datePosted.slice(0, 10)}</lastmod>` : ""
      return `  <url><loc>${state.baseUrl}${path}</loc>${lastmod}</url>`
    })
    .join("\n")
  return `${XML_DECLARATION}<urlset xmlns="${SITEMAP_NS}">\n${urls}\n</urlset>\n`
}

/** The demo site as a JSON-LD source: its listing, followed page by page into every job page. */
export const demoSource = (siteUrl: string) => ({
  source: "demo-careers",
  startUrls: [`${siteUrl}/careers`],
  follow: [`${siteUrl}/careers?page=*`, `${siteUrl}/careers/jobs/*`]
})
