import { glassdoorRows } from "../sampleData.js"
import type { LabelSet } from "./labels.js"

/**
 * The evaluation's second labelled set, whose labels do not come from knowing the scorer: the real Glassdoor
 * postings of `processors/sampleData/` (956 data-science postings of 2020), each labelled by the role family its
 * own title names (data scientist, data engineer, analyst, BI, machine learning engineer, statistician), against
 * the resumes of `labels.json` whose target titles name a family. A pair is relevant (grade 3) when the posting's
 * family is one of the resume's, else not (grade 0). The scorer never sees the posting's title (it is blanked),
 * so it must tell the role from the description, as it must for a posting whose title says little.
 *
 * Coarse by design: a senior data scientist's resume counts every data scientist posting as relevant, whatever
 * its domain. What it measures is whether a score separates roles, with labels nobody graded knowing the scorer.
 */

/** Families in the order they are tried: the first whose pattern a title matches is its family. */
const FAMILIES: ReadonlyArray<readonly [string, RegExp]> = [
  ["ml_engineer", /machine learning engineer|\bml\b.*engineer|\bai engineer|mlops/i],
  ["data_engineer", /data engineer|big data engineer|etl developer/i],
  ["statistician", /statistician|biostatist/i],
  ["bi", /business intelligence|\bbi\b/i],
  ["analyst", /analyst/i],
  ["data_scientist", /scientist/i]
]

export const familyOf = (title: string): string | null => FAMILIES.find(([, pattern]) => pattern.test(title))?.[0] ?? null

/** At most this many postings of one family, the first in file order: data scientists would be most of the set. */
const perFamily = 60

export const titleFamilySet = (labels: LabelSet): LabelSet => {
  const seen = new Set<string>()
  const count = new Map<string, number>()
  const postings: Array<LabelSet["postings"][number] & { family: string }> = []
  for (const row of glassdoorRows()) {
    const family = familyOf(row.title)
    // Exact repeats of a description are scrape duplicates: one of each.
    if (family === null || seen.has(row.description)) continue
    seen.add(row.description)
    if ((count.get(family) ?? 0) >= perFamily) continue
    count.set(family, (count.get(family) ?? 0) + 1)
    postings.push({
      id: `glassdoor-${row.row}`,
      source: "glassdoor",
      title: "",
      company: row.company.split("\n")[0] ?? "",
      locations: [row.location],
      remote: false,
      salaryText: null,
      description: row.description,
      family
    })
  }
  const resumes = labels.resumes
    .map((r) => ({ resume: r, families: new Set((r.preferences.targetTitles ?? []).map(familyOf).filter((f) => f !== null)) }))
    .filter((r) => r.families.size > 0)
  return {
    version: 1,
    scale: { "0": "another role family", "3": "the role family of one of the resume's target titles" },
    resumes: resumes.map((r) => r.resume),
    postings: postings.map(({ family: _, ...p }) => p),
    grades: Object.fromEntries(
      resumes.map((r) => [r.resume.id, Object.fromEntries(postings.map((p) => [p.id, r.families.has(p.family) ? 3 : 0] as const))])
    )
  }
}
