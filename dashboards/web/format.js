// Values as the page shows them: numbers, shares, durations, instants, names.

export const display = (column, value) => {
  if (value === null || value === undefined || value === "") return "—"
  if (column.kind === "time") return new Date(toTime(value)).toLocaleString()
  if (column.kind !== "number") return typeof value === "object" ? JSON.stringify(value) : String(value)
  const n = toNumber(value)
  if (/rate|ratio|share|conversion/i.test(column.name) && n <= 1) return formatPercent(n)
  if (/pct|percent/i.test(column.name)) return `${formatNumber(n)} %`
  if (/_ms$|millis/i.test(column.name)) return formatDuration(n / 1000)
  if (/seconds|_s$|_secs?$/i.test(column.name)) return formatDuration(n)
  if (/hours$/i.test(column.name)) return formatDuration(n * 3600)
  if (/minutes$/i.test(column.name)) return formatDuration(n * 60)
  return formatNumber(n)
}

export const toNumber = (v) => (typeof v === "number" ? v : Number(v ?? 0)) || 0
/** ClickHouse sends `2026-11-25 13:20:00` (UTC, no zone) for DateTime and `2026-11-25` for Date. */
export const toTime = (v) => {
  if (typeof v === "number") return v < 1e11 ? v * 1000 : v
  const s = String(v)
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return Date.parse(`${s}T00:00:00Z`)
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) return Date.parse(`${s.replace(" ", "T")}Z`)
  return Date.parse(s)
}
export const clip = (text, n) => (text.length > n ? `${text.slice(0, n - 1)}…` : text)
export const plural = (n, one, many) => `${formatNumber(n)} ${n === 1 ? one : many}`

const numberFormat = new Intl.NumberFormat("en", { maximumFractionDigits: 2 })
export const formatNumber = (n) => numberFormat.format(n)
export const formatPercent = (n) => (n === null ? "—" : `${(n * 100).toFixed(1)} %`)
export const formatDuration = (seconds) => {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`
  if (seconds < 120) return `${+seconds.toFixed(seconds < 10 ? 1 : 0)} s`
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`
  if (seconds < 172800) return `${+(seconds / 3600).toFixed(1)} h`
  return `${+(seconds / 86400).toFixed(1)} d`
}
export const formatTick = (v, span) =>
  new Date(v).toLocaleString(undefined, span > 2 * 86400e3 ? { month: "short", day: "numeric" } : span > 86400e3 ? { weekday: "short", hour: "2-digit", minute: "2-digit" } : { hour: "2-digit", minute: "2-digit" })
export const relativeTime = (t) => {
  const seconds = Math.round((Date.now() - (typeof t === "number" ? t : Date.parse(t))) / 1000)
  if (seconds < 60) return "just now"
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`
  return `${Math.round(seconds / 86400)} days ago`
}
export const humanize = (name) => {
  const s = String(name).replace(/[_.-]+/g, " ").trim()
  return s.charAt(0).toUpperCase() + s.slice(1)
}
