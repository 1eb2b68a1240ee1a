/* global fetch, sessionStorage */
// Data access: the API's JSON, the KPI catalogue sorted into views, each KPI's answer, a view's other
// reads (reviews, health, a seeker's applications).

import { $ } from "./dom.js"
import { state } from "./state.js"
import { kindOf } from "./columns.js"

export const KEY_STORAGE = "jobstream.dashboard.seekerKey"
/** The staff key (ops or reviewer) the KPIs, the review queue and the live desk need. */
export const OPS_KEY_STORAGE = "jobstream.dashboard.opsKey"

/** Whether this tab holds a staff key: without one the page asks for it instead of reading anything. */
export const signedIn = () => Boolean(sessionStorage.getItem(OPS_KEY_STORAGE))
const asStaff = () => ({ headers: { authorization: `Bearer ${sessionStorage.getItem(OPS_KEY_STORAGE) ?? ""}` } })

/** Which view shows a KPI, by its name and title; the first rule that matches wins, the last catches the rest. */
const VIEW_RULES = [
  ["overview", /postings?.?per|per.?minute|throughput|ingest/i],
  ["funnel", /funnel|stage|lag|conversion/i],
  ["matching", /score|decision|match|review/i],
  ["sources", /duplicate|dedup|connector|error|dlq|dead.?letter|source|crawl/i],
  ["applications", /application/i],
  ["overview", /./]
]

export class ApiError extends Error {}

/** Fetches JSON; any non-2xx answer (unless listed in `accept`) is an error that says which call and why. */
const getJson = async (path, { headers = {}, accept = [] } = {}) => {
  let response
  try {
    response = await fetch(path, { headers: { accept: "application/json", ...headers } })
  } catch (cause) {
    throw new ApiError(`GET ${path} failed: ${cause instanceof Error ? cause.message : String(cause)}`)
  }
  const text = await response.text()
  let body = null
  try {
    body = text.length > 0 ? JSON.parse(text) : null
  } catch {
    body = null
  }
  if (!response.ok && !accept.includes(response.status)) {
    const detail = body && typeof body === "object" ? [body.error, body.message].filter(Boolean).join(": ") : text.slice(0, 300)
    throw new ApiError(`GET ${readable(path)} answered ${response.status}${detail ? ` (${detail})` : ""}`)
  }
  if (body === null) throw new ApiError(`GET ${path} answered ${response.status} without a JSON body`)
  return body
}

const readable = (path) => {
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

export const loadCatalogue = async () => {
  const body = await getJson("/kpis", asStaff())
  const list = Array.isArray(body) ? body : Array.isArray(body?.items) ? body.items : Array.isArray(body?.kpis) ? body.kpis : null
  if (list === null) throw new ApiError("GET /kpis did not answer a list of KPIs")
  return list.map((k) => ({ ...k, view: viewOf(k) }))
}

const viewOf = (kpi) => {
  const text = `${kpi.name} ${kpi.title ?? ""}`
  return VIEW_RULES.find(([, rule]) => rule.test(text))[0]
}

/** One KPI's answer with its rows as arrays in column order (the API may send arrays or objects). */
export const loadKpi = async (kpi, params) => {
  const body = await getJson(`/kpis/${encodeURIComponent(kpi.name)}?${params}`, asStaff())
  const columns = Array.isArray(body.columns) && body.columns.length > 0 ? body.columns : kpi.columns ?? []
  const rows = (Array.isArray(body.rows) ? body.rows : []).map((row) =>
    Array.isArray(row) ? row : columns.map((c) => row?.[c.name])
  )
  const described = columns.map((c, i) => ({ ...c, index: i, kind: kindOf(c, rows, i) }))
  for (const column of described.filter((c) => c.name === "source")) for (const row of rows) noteSource(row[column.index])
  return { kpi, columns: described, rows }
}

export const neededBy = (view, kpi) =>
  (view === "overview" && isErrorsKpi(kpi)) || (view === "sources" && (isPostingsKpi(kpi) || isErrorsKpi(kpi)))

export const isPostingsKpi = (kpi) => /postings?.?per|per.?minute|throughput|ingest/i.test(`${kpi.name} ${kpi.title ?? ""}`)
export const isErrorsKpi = (kpi) => /error|dlq|dead.?letter/i.test(`${kpi.name} ${kpi.title ?? ""}`)

export const loadViewExtras = async (view, params) => {
  const settle = (promise) => promise.then((value) => ({ value }), (error) => ({ error }))
  const source = params.get("source")
  const reviews = () => getJson(`/reviews/pending?limit=50${source ? `&source=${encodeURIComponent(source)}` : ""}`, asStaff())
  if (view === "overview") return { reviews: await settle(reviews()) }
  if (view === "matching") return { reviews: await settle(reviews()) }
  if (view === "sources") return { health: await settle(getJson("/healthz", { accept: [503] })) }
  if (view === "applications") return { applications: await settle(loadApplications()) }
  return {}
}

const loadApplications = async () => {
  const key = sessionStorage.getItem(KEY_STORAGE)
  if (!key) return null
  const status = $("#app-status").value
  return getJson(`/seekers/me/applications${status ? `?status=${encodeURIComponent(status)}` : ""}`, {
    headers: { authorization: `Bearer ${key}` }
  })
}

const noteSource = (value) => {
  if (typeof value === "string" && value.length > 0) state.sources.add(value)
}
