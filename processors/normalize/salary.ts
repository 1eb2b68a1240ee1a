import type { Salary, SalaryPeriod } from "../../schemas/common.js"
import type { RawFields } from "../../schemas/RawPosting.js"

const PERIOD_WORDS: ReadonlyArray<readonly [SalaryPeriod, RegExp]> = [
  ["HOUR", /\b(?:per|an?|each)\s+(?:hour|hr)\b|\/\s*(?:hour|hr|h)\b|\bhourly\b|\bp\/h\b/],
  ["DAY", /\b(?:per|an?)\s+day\b|\/\s*day\b|\bdaily\b|\bday\s*rate\b/],
  ["WEEK", /\b(?:per|an?)\s+week\b|\/\s*(?:week|wk)\b|\bweekly\b/],
  ["MONTH", /\b(?:per|an?)\s+month\b|\/\s*(?:month|mo|mth)\b|\bmonthly\b|\bpcm\b/],
  ["YEAR", /\b(?:per|an?)\s+(?:year|annum|yr)\b|\/\s*(?:year|yr|annum|a)\b|\b(?:annual|annually|yearly|p\.\s?a\.)/]
]

/**
 * Salary unit spellings (`HOUR`, `per hour`, `Hourly`, `hr`, ISO `PT1H`, Ashby's `1 YEAR`, Lever's
 * `per-year-salary` and `per-hour-wage`, ...) to a period, in any case and with any separators; a trailing
 * `salary`, `wage`, `rate` or `pay` is ignored. Unknown, and Lever's `one-time` (a payment, not a rate), give null.
 */
export const salaryPeriodOf = (unit: string | undefined): SalaryPeriod | null => {
  if (typeof unit !== "string") return null
  const iso = /^\s*p(t?)1?([hdwmy])\s*$/i.exec(unit)
  if (iso) {
    const letter = iso[2]!.toLowerCase()
    if (iso[1] !== "") return letter === "h" ? "HOUR" : null
    return ({ d: "DAY", w: "WEEK", m: "MONTH", y: "YEAR" } as const)[letter as "d" | "w" | "m" | "y"] ?? null
  }
  const word = unit
    .toLowerCase()
    .replace(/[^a-z]/g, "")
    .replace(/(?<=.)(?:salary|wages?|rate|pay)$/, "")
  if (/^(?:per|an?|each)?(?:hour|hours|hourly|hr|hrs|h)$/.test(word)) return "HOUR"
  if (/^(?:per|an?|each)?(?:day|days|daily|d)$/.test(word)) return "DAY"
  if (/^(?:per|an?|each)?(?:week|weeks|weekly|wk|wks|w)$/.test(word)) return "WEEK"
  if (/^(?:per|an?|each)?(?:month|months|monthly|mo|mon|mth|m)$/.test(word)) return "MONTH"
  if (/^(?:per|an?|each)?(?:year|years|yearly|annual|annually|annum|yr|yrs|y|pa)$/.test(word)) return "YEAR"
  return null
}

/** "C$", "CA $", "AU$": one-letter prefixes only when written against the sign ("a $50k bonus" is no AUD). */
const CURRENCY_PREFIXED_DOLLAR: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bus\s?\$|\busd\s?\$/g, "USD"],
  [/\b(?:ca|can|cad)\s?\$|\bc\$/g, "CAD"],
  [/\b(?:au|aud)\s?\$|\ba\$/g, "AUD"],
  [/\b(?:nz|nzd)\s?\$/g, "NZD"],
  [/\b(?:sg|sgd)\s?\$|\bs\$/g, "SGD"],
  [/\b(?:hk|hkd)\s?\$/g, "HKD"],
  [/\br\$|\bbrl\s?\$/g, "BRL"],
  [/\b(?:mx|mxn)\s?\$/g, "MXN"]
]
const DOLLAR_CURRENCIES = new Set(["USD", "CAD", "AUD", "NZD", "SGD", "HKD", "BRL", "MXN"])
const CURRENCY_SYMBOLS: ReadonlyArray<readonly [RegExp, string]> = [
  [/€/g, "EUR"],
  [/£/g, "GBP"],
  [/₹/g, "INR"],
  [/₩/g, "KRW"],
  [/₽/g, "RUB"],
  [/₪/g, "ILS"],
  [/₺/g, "TRY"],
  [/₱/g, "PHP"],
  [/\bcn\s?¥/g, "CNY"],
  [/\bjp\s?¥/g, "JPY"],
  [/\bzł/g, "PLN"],
  [/\beuros?\b/g, "EUR"],
  [/\bpounds?\s+sterling\b/g, "GBP"]
]
/** ISO codes found as words in salary text. Words that are also English (try, pen, all, ...) are left out. */
const CURRENCY_CODES =
  /\b(usd|eur|gbp|cad|aud|nzd|chf|jpy|cny|rmb|inr|sgd|hkd|sek|nok|dkk|pln|czk|huf|brl|mxn|zar|ils|krw|aed|sar|php|idr|myr|thb|twd|ron|bgn|uah|ngn|kes|egp|clp|cop|ars)\b/g
/**
 * Currencies whose yearly pay is far above any monthly pay, with the amount from which a salary without a period
 * is a year's pay: sources there quote months rarely, and never in these amounts (Swiss and Singapore monthly
 * pay runs higher). Other currencies never get a period inferred.
 */
const YEARLY_FROM: Readonly<Record<string, number>> = {
  USD: 12_000, CAD: 15_000, AUD: 15_000, NZD: 15_000, EUR: 15_000, GBP: 15_000, CHF: 30_000, SGD: 30_000
}
/** Plausible amounts per period for the currencies above; anything outside is a unit mix-up, not a salary. */
const PLAUSIBLE: Record<SalaryPeriod, readonly [number, number]> = {
  HOUR: [1, 1_000],
  DAY: [10, 10_000],
  WEEK: [50, 50_000],
  MONTH: [100, 100_000],
  YEAR: [1_000, 10_000_000]
}

/** A currency as sources write it (`usd`, `US$`, `€`, `£`) to an ISO 4217 code; unknown gives null. */
export const currencyCodeOf = (currency: string | undefined): string | null => {
  if (typeof currency !== "string") return null
  const found = currenciesIn(currency.trim().toLowerCase())
  if (found.size === 1) return [...found][0]!
  return /^[a-z]{3}$/i.test(currency.trim()) ? currency.trim().toUpperCase() : null
}

const currenciesIn = (lower: string): Set<string> => {
  const found = new Set<string>()
  let rest = lower
  for (const [re, code] of CURRENCY_PREFIXED_DOLLAR) {
    if (rest.match(re)) {
      found.add(code)
      rest = rest.replace(re, " ")
    }
  }
  for (const [re, code] of CURRENCY_SYMBOLS) if (rest.match(re)) found.add(code)
  for (const m of rest.matchAll(CURRENCY_CODES)) found.add(m[1] === "rmb" ? "CNY" : m[1]!.toUpperCase())
  // A bare "$" is USD unless the text names another dollar ("$50,000 CAD").
  if (rest.includes("$") && ![...found].some((code) => DOLLAR_CURRENCIES.has(code))) found.add("USD")
  return found
}

/**
 * A salary from a connector's structured fields (numbers, currency, unit), falling back to its text.
 * Null when the currency or the period is unknown, or the amounts are implausible for the period.
 */
export const parseSalary = (salary: RawFields["salary"] | undefined): Salary | null => {
  if (salary === undefined || salary === null || typeof salary !== "object") return null
  const currency = currencyCodeOf(salary.currency)
  const unitGiven = typeof salary.unit === "string" && salary.unit.trim() !== ""
  const period = salaryPeriodOf(salary.unit)
  if (unitGiven && period === null) return null
  const min = positive(salary.min)
  const max = positive(salary.max)
  if (min === null && max === null) {
    return typeof salary.text === "string" ? parseSalaryText(salary.text, { currency, period }) : null
  }
  const fromText = typeof salary.text === "string" ? parseSalaryText(salary.text, { currency, period }) : null
  return finishSalary(min, max, currency ?? fromText?.currency ?? null, period ?? fromText?.period ?? null)
}

/**
 * A salary written as text: "$53K-$91K (Glassdoor est.)", "$25-$35 Per Hour", "£40,000 - £50,000 a year",
 * "€60k", "USD 120,000-150,000", "Up to $100k". `defaults` come from the source's structured fields.
 * A bare `$` is USD. A missing period is inferred only for large amounts in a few currencies (see
 * `YEARLY_FROM`); two currencies, two periods or unconnected numbers give null.
 */
export const parseSalaryText = (
  text: string,
  defaults: { readonly currency?: string | null; readonly period?: SalaryPeriod | null } = {}
): Salary | null => {
  if (typeof text !== "string" || text.length > 500) return null
  const lower = text
    .toLowerCase()
    .replace(/[\u00a0\u202f]/g, " ")
    .replace(/401\s*\(?k\)?/g, " ")
  const currencies = currenciesIn(lower)
  if (currencies.size > 1) return null
  const currency = [...currencies][0] ?? defaults.currency ?? null
  const periods = new Set(PERIOD_WORDS.filter(([, re]) => re.test(lower)).map(([p]) => p))
  if (periods.size > 1) return null
  const period = [...periods][0] ?? defaults.period ?? null

  const amounts = [
    ...lower.matchAll(/(\d{1,3}(?:[,. ]\d{3})+|\d+)(?:[.,](\d{1,2}))?(?!\d)(?:\s?(k|mm|m)(?![a-z]))?/g)
  ].filter((m) => !/^\s*%/.test(lower.slice(m.index + m[0].length)))
  if (amounts.length === 0 || amounts.length > 2) return null
  const values = amounts.map((m) => {
    const whole = Number(m[1]!.replace(/[,. ]/g, ""))
    const value = whole + (m[2] ? Number(`0.${m[2]}`) : 0)
    return { value, multiplier: m[3] === "k" ? 1_000 : m[3] ? 1_000_000 : 1 }
  })
  let min: number | null
  let max: number | null
  if (values.length === 2) {
    const [a, b] = amounts as [RegExpExecArray, RegExpExecArray]
    const between = lower
      .slice(a.index + a[0].length, b.index)
      .replace(CURRENCY_CODES, " ")
      .replace(/[$€£₹₩₽₪₺₱¥]|\b(?:us|ca|c|au|a|nz|sg|s|hk)\$/g, " ")
      .trim()
    if (!/^(?:-|–|—|~|to|and)$/.test(between)) return null
    const [x, y] = values as [{ value: number; multiplier: number }, { value: number; multiplier: number }]
    // "$53-91K": the suffix written once applies to both ends.
    if (x.multiplier === 1 && y.multiplier > 1 && x.value < y.value) x.multiplier = y.multiplier
    if (y.multiplier === 1 && x.multiplier > 1 && y.value < 1_000) y.multiplier = x.multiplier
    min = x.value * x.multiplier
    max = y.value * y.multiplier
  } else {
    const [m] = amounts as [RegExpExecArray]
    const v = values[0]!.value * values[0]!.multiplier
    const before = lower.slice(0, m.index)
    const after = lower.slice(m.index + m[0].length)
    if (/(?:up to|upto|max(?:imum)?|under|below|less than|<)\W*(?:[a-z]{3})?\W*$/.test(before)) [min, max] = [null, v]
    else if (/(?:from|starting(?: at)?|min(?:imum)?|at least|over|above|more than|>)\W*(?:[a-z]{3})?\W*$/.test(before) || /^\s*\+/.test(after)) [min, max] = [v, null]
    else [min, max] = [v, v]
  }
  return finishSalary(min, max, currency, period)
}

const finishSalary = (
  rawMin: number | null,
  rawMax: number | null,
  currency: string | null,
  givenPeriod: SalaryPeriod | null
): Salary | null => {
  if (currency === null || !/^[A-Z]{3}$/.test(currency)) return null
  let min = rawMin === null || rawMin <= 0 ? null : round2(rawMin)
  let max = rawMax === null || rawMax <= 0 ? null : round2(rawMax)
  if (min === null && max === null) return null
  if (min !== null && max !== null && min > max) [min, max] = [max, min]
  const low = Math.min(min ?? Infinity, max ?? Infinity)
  const yearlyFrom = YEARLY_FROM[currency]
  const period = givenPeriod ?? (yearlyFrom !== undefined && low >= yearlyFrom ? "YEAR" : null)
  if (period === null) return null
  if (yearlyFrom !== undefined) {
    const [lo, hi] = PLAUSIBLE[period]
    for (const v of [min, max]) if (v !== null && (v < lo || v > hi)) return null
  }
  return { min, max, currency, period }
}

const positive = (n: unknown): number | null => (typeof n === "number" && Number.isFinite(n) && n > 0 ? n : null)
const round2 = (n: number): number => Math.round(n * 100) / 100
