import { createHash } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { fixture } from "../demo-site/catalog.js"
import {
  ashbyJobBoard,
  greenhouseId,
  greenhouseJob,
  greenhouseJobs,
  leverPostings,
  recruiteeOffers,
  smartRecruitersId,
  smartRecruitersPosting,
  smartRecruitersPostings,
  workableAccount,
  type BoardRow
} from "./boards.js"
import type { BoardConfig } from "../SourceApi.js"
import { adzunaSearch, hnSearch, hnThread, remoteokJobs, usajobsSearch, wwrFeed } from "./feeds.js"

/**
 * A local stand-in for eleven job-source APIs, serving the documented shapes built by boards.ts and feeds.ts
 * from real postings. Each source lives under its own path prefix, so one server (or the demo site, which
 * mounts `replayAnswer`) plays every host:
 *
 *   /greenhouse/v1/boards/{board}/jobs[/{id}]      /lever/v0/postings/{site}?skip=&limit=
 *   /ashby/posting-api/job-board/{board}          /smartrecruiters/v1/companies/{id}/postings[/{postingId}]
 *   /recruitee/api/offers/                        /workable/api/v1/widget/accounts/{account}
 *   /remoteok/api                                 /weworkremotely/categories/{category}.rss
 *   /hackernews/api/v1/search_by_date             /hackernews/api/v1/items/{id}
 *   /adzuna/v1/api/jobs/{country}/search/{page}   (app_id and app_key required)
 *   /usajobs/api/search?Page=&ResultsPerPage=     (Authorization-Key header required)
 *
 * Every 200 carries an ETag; a request whose If-None-Match matches gets 304, as the real boards' CDNs answer.
 */

export const replayTypes = [
  "greenhouse", "lever", "ashby", "smartrecruiters", "recruitee", "workable",
  "remoteok", "weworkremotely", "hackernews", "adzuna", "usajobs"
] as const
export type ReplayType = (typeof replayTypes)[number]

/** The Hacker News thread id the replayed search finds. */
export const HN_THREAD_ID = 40_563_283

export interface ReplayAnswer {
  readonly status: number
  readonly contentType: string
  readonly body: string
  readonly headers?: Readonly<Record<string, string>>
}

/** The answer to `url` when every source lists `rowsOf(type)`; undefined when the path is no source's. */
export const replayAnswer = (
  url: URL,
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
  rowsOf: (type: ReplayType) => ReadonlyArray<BoardRow>
): ReplayAnswer | undefined => {
  const [, type, ...rest] = url.pathname.split("/")
  if (!replayTypes.includes(type as ReplayType)) return undefined
  const rows = rowsOf(type as ReplayType)
  const path = `/${rest.join("/")}`
  const q = (name: string) => url.searchParams.get(name)
  const int = (name: string, fallback: number) => {
    const n = Number(q(name))
    return Number.isInteger(n) && n >= 0 && q(name) !== null ? n : fallback
  }
  let m: RegExpMatchArray | null
  switch (type as ReplayType) {
    case "greenhouse":
      if ((m = path.match(/^\/v1\/boards\/([^/]+)\/jobs$/))) return json(greenhouseJobs(rows, { board: decodeURIComponent(m[1]!) }))
      if ((m = path.match(/^\/v1\/boards\/([^/]+)\/jobs\/(\d+)$/))) {
        const index = rows.findIndex((row) => String(greenhouseId(row)) === m![2])
        const opts = { board: decodeURIComponent(m[1]!), payTransparency: q("pay_transparency") === "true" }
        return index < 0 ? json({ status: 404, error: "Job not found" }, 404) : json(greenhouseJob(rows, index, opts))
      }
      break
    case "lever":
      if ((m = path.match(/^\/v0\/postings\/([^/]+)$/))) {
        const skip = int("skip", 0)
        return json(leverPostings(rows, { board: decodeURIComponent(m[1]!) }).slice(skip, skip + int("limit", 100)))
      }
      break
    case "ashby":
      if ((m = path.match(/^\/posting-api\/job-board\/([^/]+)$/))) return json(ashbyJobBoard(rows, { board: decodeURIComponent(m[1]!) }))
      break
    case "smartrecruiters":
      if ((m = path.match(/^\/v1\/companies\/([^/]+)\/postings$/)))
        return json(
          smartRecruitersPostings(rows, { board: decodeURIComponent(m[1]!) }, { offset: int("offset", 0), limit: int("limit", 10) })
        )
      if ((m = path.match(/^\/v1\/companies\/([^/]+)\/postings\/([^/]+)$/))) {
        const index = rows.findIndex((row) => smartRecruitersId(row) === decodeURIComponent(m![2]!))
        return index < 0
          ? json({ message: "Posting not found" }, 404)
          : json(smartRecruitersPosting(rows[index]!, index, { board: decodeURIComponent(m[1]!) }))
      }
      break
    case "recruitee":
      if (/^\/api\/offers\/?$/.test(path)) return json(recruiteeOffers(rows, { board: "replay" }))
      break
    case "workable":
      if ((m = path.match(/^\/api\/v1\/widget\/accounts\/([^/]+)$/))) {
        const account = decodeURIComponent(m[1]!)
        return json(workableAccount(rows, { board: account, name: account }))
      }
      break
    case "remoteok":
      if (path === "/api") return { status: 200, contentType: "application/json; charset=utf-8", body: remoteokJobs(rows) }
      break
    case "weworkremotely":
      if ((m = path.match(/^\/categories\/([^/]+)\.rss$/)) || path === "/remote-jobs.rss")
        return { status: 200, contentType: "application/rss+xml; charset=utf-8", body: wwrFeed(rows, m?.[1] ?? undefined) }
      break
    case "hackernews":
      if (path === "/api/v1/search_by_date") return raw(hnSearch(HN_THREAD_ID))
      if ((m = path.match(/^\/api\/v1\/items\/(\d+)$/)))
        return Number(m[1]) === HN_THREAD_ID ? raw(hnThread(rows, HN_THREAD_ID)) : json({ status: 404, error: "Not Found" }, 404)
      break
    case "adzuna":
      if ((m = path.match(/^\/v1\/api\/jobs\/([a-z]{2})\/search\/(\d+)$/))) {
        if (!q("app_id") || !q("app_key")) return json({ exception: "AUTH_FAIL", display: "Authorisation failed" }, 401)
        return raw(adzunaSearch(rows, Number(m[2]), int("results_per_page", 10)))
      }
      break
    case "usajobs":
      if (path === "/api/search") {
        if (headers["authorization-key"] === undefined) return json({ message: "Authorization-Key is required" }, 401)
        return raw(usajobsSearch(rows, Math.max(1, int("Page", 1)), int("ResultsPerPage", 25)))
      }
      break
  }
  return json({ error: `no ${type} endpoint at ${path}` }, 404)
}

/** An answer instead of the real one: an error status and its Retry-After, or a broken 200 body. */
export interface Fault {
  readonly status: number
  readonly retryAfterSeconds?: number
  readonly body?: string
}

export interface ReplayServer {
  /** Base URL without a trailing slash: a source's `baseUrl` is `${url}/${type}`. */
  readonly url: string
  /** What each source lists from now on (default: every posting of the fixture). */
  readonly setRows: (type: ReplayType, rows: ReadonlyArray<BoardRow>) => void
  /** The next requests (any path) get these answers, one each, before the real ones resume. */
  readonly injectFaults: (faults: ReadonlyArray<Fault>) => void
  /** Every request so far: path with query, status answered. */
  readonly requests: () => ReadonlyArray<{ readonly path: string; readonly status: number }>
  readonly close: () => Promise<void>
}

export interface ReplayOptions {
  readonly host?: string
  readonly port?: number
  /**
   * Builds each answer once per path, query and credentials while the rows stay the same. A board of thousands
   * of postings then costs the process that runs this server a second or two of its event loop once, at its
   * first request, instead of at every crawl: the fault suite measures the API's latency from that process.
   */
  readonly memoize?: boolean
}

export const startReplayServer = async (options: ReplayOptions = {}): Promise<ReplayServer> => {
  const all = fixture()
  const rows = new Map<ReplayType, ReadonlyArray<BoardRow>>()
  const faults: Array<Fault> = []
  const log: Array<{ path: string; status: number }> = []
  const memo = new Map<string, ReplayAnswer | undefined>()
  const answerFor = (url: URL, headers: IncomingMessage["headers"]) => {
    if (!options.memoize) return replayAnswer(url, headers, (type) => rows.get(type) ?? all)
    const key = `${url.pathname}${url.search}\u0000${headers["authorization-key"] !== undefined}`
    if (!memo.has(key)) {
      const built = replayAnswer(url, headers, (type) => rows.get(type) ?? all)
      memo.set(key, built && tagged(built))
    }
    return memo.get(key)
  }
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://replay")
    const fault = faults.shift()
    const answer: ReplayAnswer = fault
      ? {
          status: fault.status,
          contentType: "text/plain; charset=utf-8",
          body: fault.body ?? `replayed fault ${fault.status}`,
          ...(fault.retryAfterSeconds === undefined ? {} : { headers: { "retry-after": String(fault.retryAfterSeconds) } })
        }
      : request.method !== "GET" && request.method !== "HEAD"
        ? { status: 405, contentType: "text/plain; charset=utf-8", body: "method not allowed" }
        : (answerFor(url, request.headers) ?? { status: 404, contentType: "text/plain; charset=utf-8", body: "not found" })
    log.push({ path: `${url.pathname}${url.search}`, status: sendAnswer(request, response, answer) })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    setRows: (type, list) => {
      rows.set(type, list)
      memo.clear()
    },
    injectFaults: (list) => void faults.push(...list),
    requests: () => [...log],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** Writes the answer, with an ETag on a 200 (a 304 when If-None-Match matches it); returns the status sent. */
export const sendAnswer = (request: IncomingMessage, response: ServerResponse, answer: ReplayAnswer): number => {
  const sent = withEtag(answer, request)
  response.writeHead(sent.status, { "content-type": sent.contentType, "cache-control": "no-cache", ...sent.headers })
  response.end(request.method === "HEAD" ? undefined : sent.body)
  return sent.status
}

/** The board, query and credentials each replayed type needs to be crawled from `baseUrl` (this server's URL). */
export const replayBoard = (type: ReplayType, baseUrl: string, source: string): BoardConfig => ({
  source,
  baseUrl: `${baseUrl}/${type}`,
  ...(type === "adzuna" ? { board: "us", query: "data", credentials: { appId: "replay-id", appKey: "replay-secret-key" } } : {}),
  ...(type === "usajobs" ? { query: "data", credentials: { email: "ops@example.org", apiKey: "replay-usajobs-key" } } : {}),
  ...(["hackernews", "weworkremotely", "usajobs", "adzuna"].includes(type) ? {} : { board: "acme" })
})

/** A 200 with an ETag of its body (one it has already is kept). */
const tagged = (answer: ReplayAnswer): ReplayAnswer =>
  answer.status !== 200 || answer.headers?.etag !== undefined
    ? answer
    : { ...answer, headers: { ...answer.headers, etag: `"${createHash("sha1").update(answer.body).digest("hex")}"` } }

/** A 200 gets an ETag of its body; a matching If-None-Match turns it into a bodiless 304. */
const withEtag = (answer: ReplayAnswer, request: IncomingMessage): ReplayAnswer => {
  const sent = tagged(answer)
  const etag = sent.headers?.etag
  if (etag !== undefined && request.headers["if-none-match"] === etag) return { status: 304, contentType: answer.contentType, body: "", headers: { etag } }
  return sent
}

const json = (value: unknown, status = 200): ReplayAnswer => ({
  status,
  contentType: "application/json; charset=utf-8",
  body: JSON.stringify(value)
})

const raw = (body: string): ReplayAnswer => ({ status: 200, contentType: "application/json; charset=utf-8", body })
