const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

/**
 * A date as sources write it to `YYYY-MM-DD`: ISO dates with or without a time (the date as written, not
 * shifted to UTC), `YYYY/MM/DD`, `20240501`, Unix seconds or milliseconds, "1 May 2024", "May 1, 2024", and,
 * given `now`, "today", "yesterday", "3 days ago". Ambiguous ("05/01/2024"), open ("30+ days ago") or invalid
 * dates give null.
 */
export const toCalendarDate = (input: string | undefined, now?: Date): string | null => {
  if (typeof input !== "string") return null
  const s = input.trim().toLowerCase()
  if (s === "" || s.length > 64) return null
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(.*)$/.exec(s)
  if (m) {
    const time = /^(?:[t ](?:[01]?\d|2[0-4]):[0-5]\d(?::(?:[0-5]\d|60)(?:[.,]\d+)?)?\s*(?:z|utc|gmt|[+-](?:0\d|1[0-4])(?::?[0-5]\d)?)?)?$/
    return time.test(m[4]!) ? ymd(+m[1]!, +m[2]!, +m[3]!) : null
  }
  if ((m = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(s))) return ymd(+m[1]!, +m[2]!, +m[3]!)
  if ((m = /^(\d{4})(\d{2})(\d{2})$/.exec(s))) return ymd(+m[1]!, +m[2]!, +m[3]!)
  if (/^\d{9,10}$/.test(s)) return isoDate(new Date(Number(s) * 1000))
  if (/^\d{12,13}$/.test(s)) return isoDate(new Date(Number(s)))
  if ((m = /^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3})[a-z]*\.?,?\s+(\d{4})$/.exec(s))) {
    return monthIndex(m[2]!) === null ? null : ymd(+m[3]!, monthIndex(m[2]!)! + 1, +m[1]!)
  }
  if ((m = /^([a-z]{3})[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/.exec(s))) {
    return monthIndex(m[1]!) === null ? null : ymd(+m[3]!, monthIndex(m[1]!)! + 1, +m[2]!)
  }
  if (now === undefined || Number.isNaN(now.getTime())) return null
  const rel = s.replace(/^(?:posted|active|updated)\s+/, "")
  if (rel === "today" || rel === "just posted" || rel === "just now") return isoDate(now)
  if (rel === "yesterday") return isoDate(addDays(now, -1))
  if ((m = /^(\d{1,3})\s*(hour|hr|h|day|d|week|wk|w)s?\s+ago$/.exec(rel))) {
    const n = +m[1]!
    const unit = m[2]![0]
    return isoDate(unit === "h" ? new Date(now.getTime() - n * 3_600_000) : addDays(now, unit === "w" ? -7 * n : -n))
  }
  return null
}

const monthIndex = (name: string): number | null => {
  const i = MONTHS.indexOf(name.slice(0, 3))
  return i < 0 ? null : i
}

const ymd = (y: number, m: number, d: number): string | null => {
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) return null
  const date = new Date(Date.UTC(y, m - 1, d))
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? isoDate(date) : null
}

export const isoDate = (date: Date): string | null =>
  Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1970 || date.getUTCFullYear() > 9999
    ? null
    : date.toISOString().slice(0, 10)

export const addDays = (date: Date, days: number): Date => new Date(date.getTime() + days * 86_400_000)
