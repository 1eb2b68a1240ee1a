import { cleanText, prefix } from "./text.js"

const MAX_LOCATIONS = 50
const MAX_LOCATION_LENGTH = 200

const REMOTE_WORDS = /\b(?:remote|remotely|work(?:ing)?[\s-]from[\s-]home|wfh|telecommut\w*|home[\s-]based|anywhere)\b/i
/** Phrases that name "remote" without meaning the job is remote; hybrid is not fully remote. */
const NOT_REMOTE = /\b(?:non[\s-]?remote|not remote|no remote|remote sens\w*|remote monitor\w*|remote patient|remote pilot\w*|hybrid|on[\s-]?site only)\b/i

/** Remote when the source says so, or a location or the title says remote / work from home / anywhere. */
export const isRemote = (flag: boolean | undefined, locations: ReadonlyArray<string>, title: string): boolean =>
  flag === true || [...locations, title].some((text) => REMOTE_WORDS.test(text) && !NOT_REMOTE.test(text))

const PLACEHOLDER_LOCATION = /^(?:-1|-|n\/?a|none|null|undefined|unknown|tbd|tba|\?)$/i

/**
 * What packs several places into one string: "San Francisco, CA | New York, NY", "London, UK; Ontario, CAN",
 * "Berlin or Remote". Only the lowercase word "or" splits, so that Oregon's "OR" stays a state.
 */
const PLACE_LIST_SEPARATOR = /\s*[|;]\s*|\s+or\s+/

/**
 * Locations trimmed, markup and whitespace cleaned, packed lists split into their places (`|`, `;`, " or "),
 * placeholders ("-1", "N/A") and empty parts dropped, duplicates (ignoring case) removed in order.
 * "remote"/"REMOTE" becomes "Remote" so that it stays a meaningful location.
 */
export const cleanLocations = (locations: ReadonlyArray<string> | undefined): Array<string> => {
  const out: Array<string> = []
  const seen = new Set<string>()
  const places = (Array.isArray(locations) ? locations : []).flatMap((raw: unknown) =>
    cleanText(typeof raw === "string" ? raw : undefined).split(PLACE_LIST_SEPARATOR)
  )
  for (const cleaned of places) {
    if (out.length >= MAX_LOCATIONS) break
    if (PLACEHOLDER_LOCATION.test(cleaned)) continue
    // Cut before the edges are trimmed, so a cut never leaves a trailing ", " that a second pass would remove.
    const s = prefix(cleaned.replace(/\s*,\s*(?:,\s*)*/g, ", "), MAX_LOCATION_LENGTH)
      .replace(/^[\s,;|/-]+|[\s,;|/-]+$/g, "")
      .replace(/^remote\b/i, "Remote")
    if (s === "" || PLACEHOLDER_LOCATION.test(s)) continue
    const key = s.toLowerCase()
    if (seen.has(key)) continue
    seen.add(key)
    out.push(s)
  }
  return out
}
