import { Either, Schema } from "effect"
import { Health } from "../../schemas/Api.js"

/** One API call as a client saw it. `status` 0: no answer (refused, reset, or over the client's time limit). */
export interface Sample {
  readonly route: string
  readonly at: number
  readonly ms: number
  readonly status: number
  /** `/healthz` answers, decoded; undefined for other routes or a body that is not a Health. */
  readonly health?: Health | undefined
}

export interface RouteSummary {
  readonly route: string
  readonly statuses: ReadonlyMap<number, number>
  readonly maxMs: number
}

/** A client gives up after this long: an answer that late is an outage whatever its status. */
export const clientLimitMs = 15_000

const decodeHealth = Schema.decodeUnknownEither(Health)

/** Every API call of a run (the probes' reads and the load's writes), to be summarized per fault window. */
export class ApiLog {
  readonly samples: Array<Sample> = []

  /** Calls `path` (GET unless `init` says otherwise) and records the answer under `route`. */
  async call(baseUrl: string, route: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
    const at = Date.now()
    let status = 0
    let body: unknown = undefined
    try {
      const response = await fetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(clientLimitMs) })
      status = response.status
      const text = await response.text()
      body = (response.headers.get("content-type") ?? "").includes("json") ? parseJson(text) : text
    } catch {
      // Refused, reset or over the limit: recorded as no answer.
      status = 0
    }
    const health = route === "/healthz" ? Either.getOrUndefined(decodeHealth(body)) : undefined
    this.samples.push({ route, at, ms: Date.now() - at, status, health })
    return { status, body }
  }

  /** Calls that started in [from, to). */
  between(from: number, to: number): Array<Sample> {
    return this.samples.filter((s) => s.at >= from && s.at < to)
  }

  summarize(from: number, to: number): Array<RouteSummary> {
    const byRoute = new Map<string, { statuses: Map<number, number>; maxMs: number }>()
    for (const s of this.between(from, to)) {
      let entry = byRoute.get(s.route)
      if (!entry) byRoute.set(s.route, (entry = { statuses: new Map(), maxMs: 0 }))
      entry.statuses.set(s.status, (entry.statuses.get(s.status) ?? 0) + 1)
      entry.maxMs = Math.max(entry.maxMs, s.ms)
    }
    return [...byRoute].map(([route, e]) => ({ route, ...e })).sort((a, b) => a.route.localeCompare(b.route))
  }
}

/** `/jobs 200x40 max 35ms`: a route's answers in a window, for the report. */
export const formatSummary = (s: RouteSummary) =>
  `${s.route} ${[...s.statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status === 0 ? "none" : status}x${n}`)
    .join("/")} max ${s.maxMs}ms`

export interface ProbeRoute {
  readonly route: string
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * Polls every route on its own loop (a slow route never delays the others) until stopped. Each loop waits for its
 * answer, then `intervalMs`, so a hung route shows as one long sample rather than a pile of parallel ones.
 */
export const startProbe = (log: ApiLog, baseUrl: string, routes: ReadonlyArray<ProbeRoute>, intervalMs = 500) => {
  let stopped = false
  const loops = routes.map(async (r) => {
    while (!stopped) {
      await log.call(baseUrl, r.route, r.path, { headers: { ...r.headers } })
      await new Promise((resolve) => setTimeout(resolve, intervalMs))
    }
  })
  return {
    stop: async () => {
      stopped = true
      await Promise.all(loops)
    }
  }
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
