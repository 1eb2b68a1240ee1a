import type { EmploymentType } from "../../schemas/common.js"

const EMPLOYMENT_EXACT: ReadonlyArray<readonly [RegExp, EmploymentType]> = [
  [/^(?:full ?time|ft|fte|permanent|perm|regular|full ?time permanent|permanent full ?time)$/, "FULL_TIME"],
  [/^(?:part ?time|pt)$/, "PART_TIME"],
  [/^(?:contract|contractor|contract to hire|contract to perm|freelance|freelancer|consultant|consulting|1099|c2c|corp to corp|w2 contract|independent contractor)$/, "CONTRACTOR"],
  [/^(?:temp|temporary|seasonal|temp to hire|temp to perm|fixed term)$/, "TEMPORARY"],
  [/^(?:intern|internship|co ?op|working student|werkstudent|apprentice|apprenticeship|trainee|traineeship)$/, "INTERN"],
  [/^(?:volunteer|volunteering|unpaid)$/, "VOLUNTEER"],
  [/^(?:per ?diem|prn)$/, "PER_DIEM"],
  [/^other$/, "OTHER"]
]
const EMPLOYMENT_WORDS: ReadonlyArray<readonly [RegExp, EmploymentType]> = [
  [/\b(?:intern|internship|co ?op)\b/, "INTERN"],
  [/\b(?:per ?diem|prn)\b/, "PER_DIEM"],
  [/\bpart ?time\b/, "PART_TIME"],
  [/\b(?:temporary|temp to hire|seasonal)\b/, "TEMPORARY"],
  [/\b(?:contract|contractor|freelance)\b/, "CONTRACTOR"],
  [/\b(?:full ?time|permanent)\b/, "FULL_TIME"]
]

/**
 * The first of the source's employment types that maps to an `EmploymentType` ("Full-time", "FULL_TIME",
 * "contract-to-hire", ...). Without one, a qualifier in the title ("Data Engineer - Contract (Remote)",
 * "Summer Intern", "Part Time – ...") decides; a bare "Contract Manager" does not. Otherwise null.
 */
export const normalizeEmploymentType = (
  types: ReadonlyArray<string> | undefined,
  title = ""
): EmploymentType | null => {
  const keys = (Array.isArray(types) ? types : [])
    .filter((t): t is string => typeof t === "string")
    .map((t) => t.toLowerCase().replace(/[_\-/.]+/g, " ").replace(/\s+/g, " ").trim())
  for (const key of keys) for (const [re, type] of EMPLOYMENT_EXACT) if (re.test(key)) return type
  for (const key of keys) for (const [re, type] of EMPLOYMENT_WORDS) if (re.test(key)) return type
  return typeof title === "string" ? employmentTypeFromTitle(title) : null
}

const employmentTypeFromTitle = (title: string): EmploymentType | null => {
  const t = title.toLowerCase()
  const part = /\bpart[\s-]?time\b/.test(t)
  if (part && /\bfull[\s-]?time\b/.test(t)) return null
  if (/\b(?:intern|internship|co-?op)\b/.test(t)) return "INTERN"
  if (part) return "PART_TIME"
  if (/\b(?:per diem|prn)\b/.test(t)) return "PER_DIEM"
  if (/\btemp(?:orary)?\b|\btemp-to-hire\b/.test(t)) return "TEMPORARY"
  if (
    /(?:^|[-–—(,|/:]\s*)(?:contract(?:or)?|freelance|1099|c2c)(?:[\s-]*to[\s-]*hire)?\s*(?:$|[-–—(),|/:])/.test(t) ||
    /\b\d+[\s-]*(?:month|mo)s?\s+contract\b/.test(t)
  ) return "CONTRACTOR"
  return null
}
