import { createCheerioRouter } from "crawlee"
import { extractJobPostings, type FoundPosting } from "./extract.js"

/** What the routes hand their findings to; the crawler wires it to the Publisher. */
export interface Findings {
  readonly posting: (found: FoundPosting) => Promise<void>
  readonly malformed: (url: string, reason: string, html: string) => Promise<void>
}

export interface RouteOptions {
  /** Globs of the links worth following from a page (listings, pagination, job pages). */
  readonly follow: ReadonlyArray<string>
}

/**
 * One handler for every page: career sites put JobPosting JSON-LD on job pages and sometimes on listings, so
 * each page is both read and followed. Handlers only extract and hand over.
 */
export const makeRoutes = (findings: Findings, options: RouteOptions) => {
  const router = createCheerioRouter()
  router.addDefaultHandler(async ({ request, body, enqueueLinks }) => {
    const html = typeof body === "string" ? body : body.toString("utf8")
    const url = request.loadedUrl ?? request.url
    const { postings, errors } = extractJobPostings(html, url)
    for (const found of postings) await findings.posting(found)
    if (errors.length > 0) await findings.malformed(url, errors.join("; "), html)
    await enqueueLinks({ globs: [...options.follow], strategy: "same-domain" })
  })
  return router
}
