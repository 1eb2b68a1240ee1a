/* global location, sessionStorage, WebSocket, setTimeout, clearTimeout */
// The review desk, live, on the operations dashboard: tasks waiting and held, each reviewer's presence, load and
// standing (pushed every second), and the desk's KPIs for today (pushed when they change), as `/desk/ops/ws`
// sends them (pipelines/deskOpsFeed.ts). Pushed, not polled: the
// page's 10 s refresh leaves this panel alone. The feed needs an ops key: the page's staff key, kept in this tab's
// session storage.

import { $, h } from "./dom.js"
import { formatNumber, humanize } from "./format.js"
import { bigNumber } from "./tables.js"
import { OPS_KEY_STORAGE } from "./api.js"
import { deskKpiBlock, missesByReviewer } from "./deskKpis.js"

/** Close code the desk uses for a key it refuses: reconnecting with the same key cannot help. */
const UNAUTHORIZED = 4401

const feed = { socket: null, retry: null, attempts: 0, status: null, kpis: null }

const panel = () => $("#desk-live")
const body = () => $(".panel-body", panel())

const say = (state, ...content) => {
  panel().dataset.state = state
  body().replaceChildren(...content)
}

const connect = () => {
  clearTimeout(feed.retry)
  feed.socket?.close(1000, "replaced")
  feed.socket = null
  feed.status = null
  feed.kpis = null
  const key = sessionStorage.getItem(OPS_KEY_STORAGE)
  if (!key) {
    say("idle", h("p", { class: "muted" }, "Sign in with an ops key to watch the review desk live."))
    return
  }
  if (panel().dataset.state !== "ready") say("loading", h("p", { class: "muted" }, "Connecting to the desk…"))
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/desk/ops/ws`)
  feed.socket = socket
  socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "hello", key })))
  socket.addEventListener("message", (event) => {
    let message
    try {
      message = JSON.parse(event.data)
    } catch {
      return
    }
    if (message.type === "status") {
      feed.attempts = 0
      feed.status = message
      render()
    } else if (message.type === "kpis") {
      feed.kpis = message
      render()
    } else if (message.type === "error") say("error", h("p", { class: "error", role: "alert" }, message.message))
  })
  socket.addEventListener("close", (event) => {
    if (feed.socket !== socket) return
    feed.socket = null
    if (event.code === UNAUTHORIZED) return
    const delay = Math.min(15_000, 1_000 * 2 ** feed.attempts++)
    panel().dataset.connection = "reconnecting"
    feed.retry = setTimeout(connect, delay)
  })
}

const render = () => {
  const status = feed.status
  if (status === null) return
  const misses = missesByReviewer(feed.kpis)
  const reviewers = Array.isArray(status.reviewers) ? status.reviewers : []
  const online = reviewers.filter((r) => r.presence === "online").length
  panel().dataset.connection = "live"
  panel().dataset.pending = String(status.pending)
  say("ready",
    h("div", { class: "numbers small" },
      bigNumber("Tasks waiting", formatNumber(status.pending), "desk-pending", status.pending > 0 ? "warn" : ""),
      bigNumber("Tasks held by reviewers", formatNumber(status.assigned), "desk-assigned"),
      bigNumber("Reviewers online", `${formatNumber(online)} of ${formatNumber(reviewers.length)}`, "desk-online")),
    deskKpiBlock(feed.kpis),
    reviewers.length === 0
      ? h("p", { class: "muted" }, "No reviewer account yet: create one with POST /staff.")
      : h("table", { class: "data" },
          h("caption", {}, `Reviewers; updated ${new Date().toLocaleTimeString()}`),
          h("thead", {}, h("tr", {}, ...["Reviewer", "Presence", "Tasks held", "Strikes", "SLA misses today", "Standing"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, ...reviewers.map((r) =>
            h("tr", { "data-staff-id": r.staffId, "data-presence": r.presence, "data-locked": String(r.locked) },
              h("th", { scope: "row" }, r.name),
              h("td", {}, h("span", { class: `badge ${r.presence === "online" ? "ok" : "idle"}` }, humanize(r.presence))),
              h("td", { class: "num", "data-active": String(r.active) }, `${formatNumber(r.active)} of ${formatNumber(r.maxActive)}`),
              h("td", { class: "num", "data-strikes": String(r.strikes) }, formatNumber(r.strikes)),
              h("td", { class: "num", "data-misses": String(misses.get(r.staffId) ?? 0) }, formatNumber(misses.get(r.staffId) ?? 0)),
              h("td", {}, r.locked ? h("span", { class: "badge errors" }, "Locked") : h("span", { class: "badge ok" }, "OK")))))))
}

/**
 * Wires the page's staff key form and connects when this tab already holds a key; `onKey` runs after each change
 * of key, for the rest of the page to read again.
 */
export const startOpsDesk = (onKey) => {
  $("#ops-key").value = sessionStorage.getItem(OPS_KEY_STORAGE) ?? ""
  $("#ops-key-form").addEventListener("submit", (event) => {
    event.preventDefault()
    const key = $("#ops-key").value.trim()
    if (key) sessionStorage.setItem(OPS_KEY_STORAGE, key)
    else sessionStorage.removeItem(OPS_KEY_STORAGE)
    connect()
    onKey()
  })
  $("#forget-ops-key").addEventListener("click", () => {
    sessionStorage.removeItem(OPS_KEY_STORAGE)
    $("#ops-key").value = ""
    connect()
    onKey()
  })
  connect()
}
