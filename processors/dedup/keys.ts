/**
 * The comparable forms of a posting that the dedup layers match on: the applicant-tracking system's own posting
 * id hidden in each of its URL variants, a title key that ignores spelling and decoration but keeps the level,
 * and location keys that ignore formatting but keep the place. Pure.
 */

/**
 * Posting references a URL carries, the same for every URL variant of one posting on one board:
 * `boards.greenhouse.io/acme/jobs/123`, `job-boards.greenhouse.io/acme/jobs/123`,
 * `boards.greenhouse.io/embed/job_app?token=123` and `acme.com/careers?gh_jid=123` all give `greenhouse:123`;
 * Lever's and Ashby's `/apply` and `/application` pages give their posting's id; a Workday URL gives its
 * tenant and requisition id whatever the locale and site path. Numeric ids of six digits or more anywhere in the
 * path or an id-like parameter also give `num:<digits>`, which the caller scopes to one company: a career site's
 * own listing URL often ends in the ATS id its apply link carries (`stripe.com/jobs/listing/x/6025906` and
 * `stripe.com/jobs/search?gh_jid=6025906`), and `site:<host>:<digits>`, which only tells postings of one site apart.
 */
export const postingRefs = (url: string): Array<string> => {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return []
  }
  const refs = new Set<string>()
  const host = u.hostname.toLowerCase()
  const segments = u.pathname.split("/").filter((s) => s !== "").map(safeDecode)
  const param = (name: string) => u.searchParams.get(name)?.trim() || null

  const ghJid = param("gh_jid") ?? (host.endsWith("greenhouse.io") ? param("token") : null)
  if (ghJid && /^\d+$/.test(ghJid)) refs.add(`greenhouse:${ghJid}`)
  if (host.endsWith("greenhouse.io")) {
    const at = segments.indexOf("jobs")
    if (at >= 0 && /^\d+$/.test(segments[at + 1] ?? "")) refs.add(`greenhouse:${segments[at + 1]}`)
  }
  if (host === "jobs.lever.co" || host === "jobs.eu.lever.co") {
    if (UUID.test(segments[1] ?? "")) refs.add(`lever:${segments[1]!.toLowerCase()}`)
  }
  const ashbyJid = param("ashby_jid")
  if (ashbyJid && UUID.test(ashbyJid)) refs.add(`ashby:${ashbyJid.toLowerCase()}`)
  if (host === "jobs.ashbyhq.com" && UUID.test(segments[1] ?? "")) refs.add(`ashby:${segments[1]!.toLowerCase()}`)
  if (host === "apply.workable.com") {
    const at = segments.indexOf("j")
    if (at >= 0 && /^[0-9A-F]{6,}$/i.test(segments[at + 1] ?? "")) refs.add(`workable:${segments[at + 1]!.toUpperCase()}`)
  }
  if (host === "jobs.smartrecruiters.com" || host === "careers.smartrecruiters.com") {
    const id = /^(\d{6,})(?:-|$)/.exec(segments[1] ?? "")?.[1]
    if (id) refs.add(`smartrecruiters:${id}`)
  }
  if (host.endsWith(".myworkdayjobs.com")) {
    const requisition = /_([A-Z]*-?\d[\w-]*)$/i.exec(segments[segments.length - 1] ?? "")?.[1]
    if (requisition) refs.add(`workday:${host.split(".")[0]}:${requisition.toUpperCase()}`)
  }
  if (host === "jobs.jobvite.com") {
    const at = segments.indexOf("job")
    if (at >= 0 && /^\w{6,}$/.test(segments[at + 1] ?? "")) refs.add(`jobvite:${segments[at + 1]}`)
  }
  if (host.endsWith(".recruitee.com") && segments[0] === "o" && segments[1]) refs.add(`recruitee:${host.split(".")[0]}:${segments[1]}`)
  if (host.endsWith(".icims.com") && segments[0] === "jobs" && /^\d+$/.test(segments[1] ?? "")) {
    refs.add(`icims:${host.split(".")[0]}:${segments[1]}`)
  }

  const numbers = [...segments, ...ID_PARAMS.map(param)].filter((s): s is string => s !== null && /^\d{6,20}$/.test(s))
  for (const n of numbers) {
    refs.add(`num:${n.replace(/^0+/, "")}`)
    refs.add(`site:${host.replace(/^www\./, "")}:${n.replace(/^0+/, "")}`)
  }
  return [...refs].sort()
}

/**
 * The refs of two postings name different postings of the same system or site: both carry a ref of one kind
 * (`greenhouse`, `site:stripe.com`, ...; the loose `num` kind aside) and share no value of it. Such postings are
 * different requisitions, however alike.
 */
export const refsConflict = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean => {
  if (a.length === 0 || b.length === 0) return false
  const kinds = (refs: ReadonlyArray<string>) => {
    const m = new Map<string, Set<string>>()
    for (const r of refs) {
      const kind = r.slice(0, r.lastIndexOf(":"))
      if (kind === "num") continue
      const set = m.get(kind) ?? m.set(kind, new Set()).get(kind)!
      set.add(r)
    }
    return m
  }
  const ka = kinds(a)
  for (const [kind, values] of kinds(b)) {
    const other = ka.get(kind)
    if (other && ![...values].some((v) => other.has(v))) return true
  }
  return false
}

const ABBREVIATIONS: Record<string, string> = {
  sr: "senior", snr: "senior", jr: "junior", jnr: "junior", mgr: "manager", eng: "engineer", engr: "engineer",
  dev: "developer", devs: "developers", swe: "software engineer", sde: "software development engineer",
  assoc: "associate", asst: "assistant", admin: "administrator", dir: "director", vp: "vice president",
  mgmt: "management", ops: "operations", qa: "quality assurance", ml: "machine learning",
  i: "1", ii: "2", iii: "3", iv: "4", v: "5", "&": "and", grads: "grad", graduate: "grad", graduates: "grad"
}

/** Decorations that say nothing about which job it is: work mode, gender markers, "new", "hiring now". */
const DECORATION =
  /\((?:[mwfdx](?:\s*\/\s*[mwfdx]){1,3}|all genders?|remote|hybrid|on-?site|contract|full[ -]time|part[ -]time|[^)]*\bremote\b[^)]*)\)|\b(?:[mwfdx](?:\s*\/\s*[mwfdx]){2,3})\b|[-–—|,]\s*(?:remote|hybrid|on-?site)(?:\s+(?:in|-|–)\s+.*)?$|\b(?:hiring now|urgently hiring|immediate start|apply now)\b|[-–—|!]+\s*$/gi

/**
 * A job title reduced to what identifies the job: lower case, accents folded, decorations removed, common
 * abbreviations and Roman numerals spelled one way, punctuation dropped. Levels stay ("senior", "2"), because
 * a Senior Data Scientist is not the same job as a Data Scientist.
 */
export const titleKey = (title: string): string =>
  title
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(DECORATION, " ")
    .replace(DECORATION, " ")
    .toLowerCase()
    .replace(/[.'’]/g, "")
    .split(/[^\p{L}\p{N}&+#]+/u)
    .filter((w) => w !== "")
    .map((w) => ABBREVIATIONS[w] ?? w)
    .join(" ")
    .trim()

const LEVEL_WORDS = new Set([
  "intern", "internship", "junior", "entry", "grad", "associate", "senior", "staff", "principal", "lead", "head",
  "director", "chief", "vice", "manager", "1", "2", "3", "4", "5"
])

/** The title's level words: two titles with different levels are different jobs. */
export const titleLevels = (key: string): string =>
  key
    .split(" ")
    .filter((w) => LEVEL_WORDS.has(w))
    .sort()
    .join(" ")

/** Token Jaccard of two title keys, levels aside (levels are compared exactly, by `titleLevels`). */
export const titleSimilarity = (a: string, b: string): number => {
  if (a === b) return 1
  const sa = new Set(a.split(" "))
  const sb = new Set(b.split(" "))
  let both = 0
  for (const w of sa) if (sb.has(w)) both++
  return both / (sa.size + sb.size - both)
}

const PLACE_ALIASES: Record<string, string> = {
  nyc: "new york", "new york city": "new york", ny: "new york", sf: "san francisco", la: "los angeles",
  dc: "washington", "washington dc": "washington", "washington d c": "washington", philly: "philadelphia",
  us: "united states", usa: "united states", "united states of america": "united states", "u s a": "united states",
  uk: "united kingdom", "great britain": "united kingdom"
}

/**
 * One key per location: its first part (the city, or the region or country when that is all it names),
 * lower-cased, accents folded, aliases spelled one way ("NYC" = "New York, NY"). Remote locations give
 * `remote`; empty lists give no key.
 */
export const locationKeys = (locations: ReadonlyArray<string>): Array<string> => {
  const keys = new Set<string>()
  for (const location of locations) {
    const text = location
      .normalize("NFKD")
      .replace(/\p{M}+/gu, "")
      .toLowerCase()
      .replace(/[.'’]/g, "")
    if (/\b(?:remote|anywhere|work from home)\b/.test(text)) {
      keys.add("remote")
      continue
    }
    // "USA Only", a remote board's eligibility region, is the place "USA".
    const first = text.split(/[,;(/|]| - /)[0]!.replace(/[^\p{L}\p{N}]+/gu, " ").trim().replace(/ only$/, "")
    if (first !== "") keys.add(PLACE_ALIASES[first] ?? first)
  }
  return [...keys].sort()
}

/** Same place: either side names none, or they share a key. Different cities are different jobs. */
export const locationsCompatible = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean =>
  a.length === 0 || b.length === 0 || a.some((k) => b.includes(k))

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const ID_PARAMS = ["gh_jid", "token", "job_id", "jobid", "id", "jid", "req", "reqid", "requisitionid", "posting_id"]

const safeDecode = (s: string): string => {
  if (!s.includes("%")) return s
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
