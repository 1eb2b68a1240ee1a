/* global URLSearchParams */
// The filter form: its range and source as query parameters, the sources seen so far as options.

import { $, h } from "./dom.js"
import { state } from "./state.js"
import { ApiError } from "./api.js"

export const RANGES = { "1h": 3600e3, "24h": 86400e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3 }

/** The filters as query parameters: an ISO range in UTC and, when one is chosen, the source. */
export const filterParams = () => {
  const range = $("#range").value
  let from
  let to
  if (range === "custom") {
    from = new Date($("#from").value)
    to = new Date($("#to").value)
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new ApiError("Custom range: fill in both From and To.")
    if (from >= to) throw new ApiError("Custom range: From must be before To.")
  } else {
    to = new Date()
    from = new Date(to.getTime() - RANGES[range])
  }
  const params = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() })
  const source = $("#source").value
  if (source) params.set("source", source)
  return params
}

export const updateSourceOptions = () => {
  const select = $("#source")
  const present = new Set([...select.options].map((o) => o.value))
  const missing = [...state.sources].filter((s) => !present.has(s))
  if (missing.length === 0) return
  const chosen = select.value
  const all = [...state.sources].sort()
  select.replaceChildren(h("option", { value: "" }, "All sources"), ...all.map((s) => h("option", { value: s }, s)))
  select.value = chosen
}

export const toLocalInput = (date) => {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60e3)
  return local.toISOString().slice(0, 16)
}
