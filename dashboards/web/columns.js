// Reading a KPI answer by its columns: each column's kind, which numbers add up, which to draw.

import { toNumber } from "./format.js"

export const STATUSES = ["saved", "applied", "screening", "interview", "offer", "accepted", "rejected", "withdrawn", "no_response"]
const STAGE_ORDERS = [
  ["discovered", "normalized", "unique", "duplicate", "scored", "decided", "auto_approve", "manual_review", "reject", "closed"],
  STATUSES
]

/** A column's kind: time (drawn on x), number (measured) or category (grouped by). */
export const kindOf = (column, rows, index) => {
  const type = String(column.type ?? "").toLowerCase()
  const name = String(column.name).toLowerCase()
  if (/date|time/.test(type) || /^(minute|hour|day|week|month|time|ts|bucket_start|period_start|week_start)$|_at$/.test(name)) return "time"
  if (/int|float|decimal|number|double|numeric|real/.test(type)) return "number"
  if (type === "" && rows.length > 0 && rows.every((r) => typeof r[index] === "number")) return "number"
  return "category"
}

export const isShare = (c) => /rate|ratio|share|conversion/i.test(c.name)
export const isDuration = (c) => /(^|_)(seconds|secs|hours|minutes|ms|millis)$|_s$/i.test(c.name)
/** Numbers that do not add up over rows: shares, averages, quantiles, extremes, durations, ordinals, scores. */
export const isRate = (c) =>
  isShare(c) || isDuration(c) || /pct|percent|avg|mean|median|(^|_)p\d\d|(^|_)(max|min)(_|$)|lag|score|^(step|rank|position|order|index|bucket)$/i.test(c.name)
/** Columns that add up meaningfully over rows (counts), as opposed to rates, averages and durations. */
export const countColumns = (numbers) => numbers.filter((c) => !isRate(c))
/**
 * What to draw, in this order: the column the KPI is named after (`duplicate_rate`, `postings_per_minute`);
 * else typical durations (averages, medians, quantiles: the extremes would flatten them); else the counts;
 * else everything. Mixing counts and shares on one axis would flatten the shares.
 */
export const plotted = (numbers, kpi) => {
  const named = numbers.filter((c) => c.name.length >= 4 && kpi.name.toLowerCase().includes(c.name.toLowerCase()))
  if (named.length > 0) return named
  const durations = numbers.filter((c) => isDuration(c) && !/(^|_)(max|min)(_|$)/i.test(c.name))
  if (durations.length > 0) return durations
  const counts = countColumns(numbers)
  return counts.length > 0 ? counts : numbers
}
export const sum = (rows, column) => rows.reduce((acc, r) => acc + toNumber(r[column.index]), 0)
export const ratio = (a, b) => (b > 0 ? a / b : null)
export const unique = (xs) => [...new Set(xs)]
export const orderStages = (names) => {
  const order = STAGE_ORDERS.find((o) => names.every((n) => o.includes(n)))
  return order ? [...names].sort((a, b) => order.indexOf(a) - order.indexOf(b)) : names
}
