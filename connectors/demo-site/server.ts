import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import {
  demoCatalog,
  escapeHtml,
  jobPostingJsonLd,
  textToHtml,
  withoutSlugs,
  type DemoCatalog,
  type DemoPage
} from "./catalog.js"

/**
 * A local careers site that the main job crawls over real HTTP (node:http only):
 *
 *   GET /careers?page=N        listing, 20 jobs a page, `rel="next"`/`rel="prev"` links
 *   GET /careers/jobs/<slug>   a job page: the posting rendered, and its JSON-LD in the head
 *   GET /robots.txt            allows everything, names the sitemap
 *   GET /sitemap.xml           every job page
 *
 * Anything else is 404 (405 for methods other than GET and HEAD). The content is `demoCatalog(count)`; tests
 * change it while the site runs with `setCount` and `remove`.
 */

export const PAGE_SIZE = 20

export interface DemoSiteOptions {
  /** Default 127.0.0.1. */
  readonly host?: string
  /** Default 0: an ephemeral port. */
  readonly port?: number
  /** Postings to publish; default 60 (the fixture's size). */
  readonly count?: number
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
  readonly close: () => Promise<void>
}

export const startDemoSite = async (options: DemoSiteOptions = {}): Promise<DemoSite> => {
  let full = demoCatalog(options.count ?? 60)
  const removed = new Set<string>()
  let current = full
  let bySlug = new Map(current.pages.map((page) => [page.slug, page]))
  const refresh = () => {
    current = withoutSlugs(full, removed)
    bySlug = new Map(current.pages.map((page) => [page.slug, page]))
  }

  let baseUrl = ""
  const server = createServer((request, response) => {
    try {
      route(request, response, { baseUrl, catalog: current, bySlug })
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
}

const HTML = "text/html; charset=utf-8"

const route = (request: IncomingMessage, response: ServerResponse, state: State): void => {
  const url = new URL(request.url ?? "/", state.baseUrl)
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("Allow", "GET, HEAD")
    return send(response, request, 405, "text/plain; charset=utf-8", "method not allowed\n")
  }
  if (url.pathname === "/robots.txt") {
    return send(response, request, 200, "text/plain; charset=utf-8", `User-agent: *\nAllow: /\n\nSitemap: ${state.baseUrl}/sitemap.xml\n`)
  }
  if (url.pathname === "/sitemap.xml") {
    return send(response, request, 200, "application/xml; charset=utf-8", sitemap(state))
  }
  if (url.pathname === "/careers" || url.pathname === "/careers/") {
    const pageParam = url.searchParams.get("page") ?? "1"
    const page = /^\d{1,6}$/.test(pageParam) ? Number(pageParam) : NaN
    const pages = Math.max(1, Math.ceil(state.catalog.pages.length / PAGE_SIZE))
    if (!(page >= 1 && page <= pages)) return notFound(request, response)
    return send(response, request, 200, HTML, listing(state, page, pages))
  }
  const job = /^\/careers\/jobs\/([a-z0-9-]+)\/?$/.exec(url.pathname)
  const page = job ? state.bySlug.get(job[1]!) : undefined
  if (page !== undefined) return send(response, request, 200, HTML, jobPage(state, page))
  return notFound(request, response)
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
  const items = slice
    .map((p) => {
      const { title, company, location } = summaryOf(p)
      return `<li class="job"><a href="${p.path}">${escapeHtml(title)}</a> <span class="company">${escapeHtml(company)}</span> <span class="location">${escapeHtml(location)}</span></li>`
    })
    .join("\n")
  const nav = [prev && `<a rel="prev" href="${prev}">Previous</a>`, next && `<a rel="next" href="${next}">Next</a>`]
    .filter(Boolean)
    .join(" ")
  return document(
    `Careers, page ${page} of ${pages}`,
    `<h1>Open positions</h1>\n<p>Page ${page} of ${pages}</p>\n<ul class="jobs">\n${items}\n</ul>\n<nav class="pagination">${nav}</nav>`,
    head
  )
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

const jobPage = (state: State, page: DemoPage): string => {
  const { title, company, location } = summaryOf(page)
  const description =
    page.kind === "posting" || page.kind === "syndicated"
      ? textToHtml(page.posting.description)
      : "<p>We are hiring. Details to follow.</p>"
  const salary =
    (page.kind === "posting" || page.kind === "syndicated") && page.posting.salaryText !== null
      ? `<p class="salary">${escapeHtml(page.posting.salaryText)}</p>\n`
      : ""
  const head =
    `<link rel="canonical" href="${state.baseUrl}${page.kind === "syndicated" ? page.original.path : page.path}">\n` +
    `<script ${scriptType(page)}>\n${jobPostingJsonLd(page, state.baseUrl)}\n</script>\n`
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

const sitemap = (state: State): string => {
  const urls = state.catalog.pages
    .map((page) => {
      const lastmod = page.kind === "posting" || page.kind === "syndicated" ? `<lastmod>${page.posting.datePosted.slice(0, 10)}</lastmod>` : ""
      return `  <url><loc>${state.baseUrl}${page.path}</loc>${lastmod}</url>`
    })
    .join("\n")
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls}\n</urlset>\n`
}

/** The demo site as a JSON-LD source: its listing, followed page by page into every job page. */
export const demoSource = (siteUrl: string) => ({
  source: "demo-careers",
  startUrls: [`${siteUrl}/careers`],
  follow: [`${siteUrl}/careers?page=*`, `${siteUrl}/careers/jobs/*`]
})
