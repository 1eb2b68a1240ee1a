import type { SalaryPeriod } from "../../schemas/common.js"

/**
 * What the hard constraints and penalties compare, shared by the scoring pass and its explanations: their bits,
 * the seeker's remote preference as a code, places as patterns of parts and pay as yearly amounts.
 */

/** Why a seeker was filtered out, as bits of `ScoreBatch.filters`. */
export const FILTER = { excluded: 1, remote: 2, location: 4, salary: 8 } as const
/** Which penalties applied, as bits of `ScoreBatch.penalties`. */
export const PENALTY = { mustHave: 1, excludedNiceToHave: 2, seniority: 4, experience: 8, salary: 16 } as const

/** The seeker's remote preference as `SeekerMatrix.remote` codes it. */
export const REMOTE_OK = 0
export const REMOTE_ONLY = 1
export const ONSITE_ONLY = 2

/** A location as lower-case parts ("austin", "tx"); US states as their codes; a country as "us". */
export interface LocationPattern {
  readonly parts: ReadonlyArray<string>
}

const STATES: Readonly<Record<string, string>> = {
  alabama: "al", alaska: "ak", arizona: "az", arkansas: "ar", california: "ca", colorado: "co", connecticut: "ct",
  delaware: "de", florida: "fl", georgia: "ga", hawaii: "hi", idaho: "id", illinois: "il", indiana: "in", iowa: "ia",
  kansas: "ks", kentucky: "ky", louisiana: "la", maine: "me", maryland: "md", massachusetts: "ma", michigan: "mi",
  minnesota: "mn", mississippi: "ms", missouri: "mo", montana: "mt", nebraska: "ne", nevada: "nv",
  "new hampshire": "nh", "new jersey": "nj", "new mexico": "nm", "new york state": "ny", "north carolina": "nc",
  "north dakota": "nd", ohio: "oh", oklahoma: "ok", oregon: "or", pennsylvania: "pa", "rhode island": "ri",
  "south carolina": "sc", "south dakota": "sd", tennessee: "tn", texas: "tx", utah: "ut", vermont: "vt",
  virginia: "va", washington: "wa", "west virginia": "wv", wisconsin: "wi", wyoming: "wy", "district of columbia": "dc",
  "puerto rico": "pr"
}
const STATE_CODES = new Set(Object.values(STATES))
const COUNTRY_US = new Set(["us", "usa", "u.s.", "u.s.a.", "united states", "united states of america", "america"])
/** Short names job boards use for whole places. */
const PLACES: Readonly<Record<string, string>> = {
  sf: "san francisco, ca", nyc: "new york, ny", la: "los angeles, ca", dc: "washington, dc", "new york city": "new york, ny",
  "bay area": "san francisco bay area, ca", "washington dc": "washington, dc", "washington d.c.": "washington, dc"
}

export const locationPattern = (location: string): LocationPattern => {
  let text = location.toLowerCase().replace(/\b\d{5}(?:-\d{4})?\b/g, "").replace(/\s+/g, " ").trim()
  text = text.replace(/^remote(?: in)?\s*/, "")
  text = PLACES[text] ?? text
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .map((p) => (COUNTRY_US.has(p) ? "us" : (STATES[p] ?? p)))
  return { parts }
}

/** Whether the job's place is within the wanted one: every wanted part is among the job's ("tx" covers "austin, tx"). */
export const locationMatches = (wanted: LocationPattern, place: LocationPattern): boolean => {
  if (wanted.parts.length === 0) return true
  if (wanted.parts.length === 1 && wanted.parts[0] === "us") {
    return place.parts.some((p) => p === "us" || STATE_CODES.has(p))
  }
  return wanted.parts.every((p) => place.parts.includes(p))
}

/** Working hours, days, weeks and months in a year: the conversion of a pay period to a yearly amount. */
export const ANNUAL: Readonly<Record<SalaryPeriod, number>> = { HOUR: 2080, DAY: 260, WEEK: 52, MONTH: 12, YEAR: 1 }
