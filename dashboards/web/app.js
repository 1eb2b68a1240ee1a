/* global document, window, location, sessionStorage, setInterval, clearInterval, getComputedStyle */
// The jobstream operations dashboard: plain ES modules, no build step; this one wires the page (filters, views,
// live refresh) to the others. It reads the KPI catalogue at run time and renders each KPI by the shape of its
// answer, so a KPI added on the server shows up without a change here. Every value that reaches the DOM goes
// through textContent: job titles and companies come from crawled sites.

import { $, h } from "./dom.js"
import { state } from "./state.js"
import { humanize } from "./format.js"
import { STATUSES } from "./columns.js"
import { KEY_STORAGE, loadCatalogue, loadKpi, loadViewExtras, neededBy, signedIn } from "./api.js"
import { filterParams, RANGES, toLocalInput, updateSourceOptions } from "./filters.js"
import { Chart } from "./charts.js"
import { renderPanels } from "./panels.js"
import { renderViewExtras } from "./views.js"
import { startOpsDesk } from "./opsDesk.js"

const REFRESH_MS = 10_000
const VIEWS = ["overview", "funnel", "sources", "matching", "applications"]

/**
 * Loads everything the current view shows. A newer refresh supersedes an older one still in flight: only the
 * latest generation writes to the page.
 */
const refresh = async () => {
  const generation = ++state.generation
  const view = state.view
  const viewEl = $(`[data-view="${view}"]`)
  // Every read but /healthz needs a staff key: without one, the page asks for it, reads nothing and shows nothing
  // it read before.
  $("#signed-out").hidden = signedIn()
  $("#main").hidden = !signedIn()
  if (!signedIn()) {
    viewEl.dataset.state = "signed-out"
    setStatus("")
    return
  }
  viewEl.dataset.state = "loading"
  setStatus("Loading…")
  const failures = []
  const fail = (error) => failures.push(error instanceof Error ? error.message : String(error))
  let params
  try {
    params = filterParams()
    state.range = { from: Date.parse(params.get("from")), to: Date.parse(params.get("to")) }
  } catch (error) {
    showGlobalError(error.message)
    viewEl.dataset.state = "error"
    setStatus("")
    return
  }
  try {
    if (state.catalogue === null) state.catalogue = await loadCatalogue()
  } catch (error) {
    if (generation !== state.generation) return
    showGlobalError(`The KPI catalogue could not be read: ${error.message}`)
    fail(error)
  }
  const current = () => generation === state.generation

  const catalogue = state.catalogue ?? []
  const mine = catalogue.filter((k) => k.view === view)
  // Extra KPIs some views summarise although another view charts them.
  const extra = catalogue.filter((k) => k.view !== view && neededBy(view, k))
  const results = new Map()
  await Promise.all(
    [...mine, ...extra].map(async (kpi) => {
      try {
        results.set(kpi.name, await loadKpi(kpi, params))
      } catch (error) {
        results.set(kpi.name, error)
      }
    })
  )
  const extras = await loadViewExtras(view, params)
  if (!current()) return

  if (state.catalogue !== null) hideGlobalError()
  renderPanels(view, mine, results, fail)
  renderViewExtras(view, results, extras, fail)
  updateSourceOptions()
  state.refreshes += 1
  document.body.dataset.refreshes = String(state.refreshes)
  viewEl.dataset.state = failures.length > 0 ? "partial" : "ready"
  setStatus(
    `Updated ${new Date().toLocaleTimeString()}${failures.length > 0 ? ` · ${failures.length} part${failures.length > 1 ? "s" : ""} failed` : ""}`
  )
}

const setStatus = (text) => {
  $("#status").textContent = text
}
const showGlobalError = (message) => {
  const el = $("#global-error")
  el.textContent = message
  el.hidden = false
}
const hideGlobalError = () => {
  $("#global-error").hidden = true
}

const showView = (view) => {
  state.view = VIEWS.includes(view) ? view : "overview"
  for (const el of document.querySelectorAll("[data-view]")) el.hidden = el.dataset.view !== state.view
  for (const link of document.querySelectorAll("[data-view-link]")) {
    if (link.dataset.viewLink === state.view) link.setAttribute("aria-current", "page")
    else link.removeAttribute("aria-current")
  }
  document.title = `jobstream · ${humanize(state.view)} · operations dashboard`
}

const schedule = () => {
  clearInterval(state.timer)
  state.timer = $("#live").checked ? setInterval(() => document.hidden || refresh(), REFRESH_MS) : null
}

const start = () => {
  if (!Chart) {
    showGlobalError("The chart library did not load (/dashboard/vendor/chart.umd.min.js).")
    return
  }
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily
  Chart.defaults.color = "#3b4452"
  for (const status of STATUSES) $("#app-status").append(h("option", { value: status }, humanize(status)))
  $("#seeker-key").value = sessionStorage.getItem(KEY_STORAGE) ?? ""

  $("#range").addEventListener("change", () => {
    const custom = $("#range").value === "custom"
    $("#custom-range").hidden = !custom
    if (custom && !$("#from").value) {
      $("#to").value = toLocalInput(new Date())
      $("#from").value = toLocalInput(new Date(Date.now() - RANGES["24h"]))
    }
    refresh()
  })
  for (const id of ["#from", "#to", "#source"]) $(id).addEventListener("change", () => refresh())
  $("#live").addEventListener("change", schedule)
  $("#refresh").addEventListener("click", () => refresh())
  $("#filters").addEventListener("submit", (event) => {
    event.preventDefault()
    refresh()
  })
  $("#seeker-key-form").addEventListener("submit", (event) => {
    event.preventDefault()
    const key = $("#seeker-key").value.trim()
    if (key) sessionStorage.setItem(KEY_STORAGE, key)
    else sessionStorage.removeItem(KEY_STORAGE)
    refresh()
  })
  $("#app-status").addEventListener("change", () => refresh())
  $("#forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_STORAGE)
    $("#seeker-key").value = ""
    refresh()
  })
  window.addEventListener("hashchange", () => {
    showView(location.hash.slice(1))
    refresh()
  })
  showView(location.hash.slice(1))
  schedule()
  refresh()
  startOpsDesk(() => refresh())
}

start()
