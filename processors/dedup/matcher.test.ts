import { Either } from "effect"
import { describe, expect, it } from "vitest"
import type { Job } from "../../schemas/Job.js"
import type { RawFields } from "../../schemas/RawPosting.js"
import { normalizePosting } from "../normalize/posting.js"
import { evaluate } from "./evaluate.js"
import { locationKeys, postingRefs, refsConflict, titleKey, titleLevels } from "./keys.js"
import { labelledSet } from "./labelled.js"
import { decide, InMemoryIndex, type Decision } from "./matcher.js"
import { jaccard, sketch, SKETCHED_CHARACTERS } from "./minhash.js"

const text = (seed: number, words = 180) =>
  Array.from({ length: words }, (_, i) => `w${(i * 7919 + seed * 104729) % 5003}`).join(" ")

const DESCRIPTION = `${text(1)}. We build data pipelines for clinical research and analytics at scale.`

let n = 0
const job = (overrides: Partial<RawFields> & { url?: string; source?: string; day?: string } = {}): Job => {
  const { url, source, day, ...fields } = overrides
  n++
  return Either.getOrThrow(
    normalizePosting(
      {
        source: source ?? "careers",
        sourceType: "test",
        externalId: `J-${n}`,
        url: url ?? `https://example.com/jobs/x${n}`,
        fetchedAt: `${day ?? "2024-06-01"}T00:00:00.000Z`,
        contentHash: "0".repeat(64),
        fields: {
          title: "Data Scientist",
          company: "Acme Analytics",
          description: DESCRIPTION,
          locations: ["Boston, MA"],
          datePosted: day ?? "2024-06-01",
          ...fields
        },
        payload: null
      },
      new Date("2024-12-01T00:00:00Z")
    )
  )
}

const run = (...jobs: Array<Job>): Array<Decision> => {
  const index = new InMemoryIndex()
  return jobs.map((j) => decide(index, j).decision)
}

const reasonOf = (d: Decision) => (d.kind === "duplicate" ? d.reason : d.kind)

describe("postingRefs", () => {
  it.each([
    ["https://boards.greenhouse.io/acme/jobs/5905734", "greenhouse:5905734"],
    ["https://job-boards.greenhouse.io/acme/jobs/5905734?gh_src=x", "greenhouse:5905734"],
    ["https://boards.greenhouse.io/embed/job_app?for=acme&token=5905734", "greenhouse:5905734"],
    ["https://www.acme.com/careers?gh_jid=5905734", "greenhouse:5905734"],
    ["https://jobs.lever.co/weride/a102c558-c365-48cf-b1ae-766037509e5c/apply", "lever:a102c558-c365-48cf-b1ae-766037509e5c"],
    ["https://jobs.ashbyhq.com/ramp/29663a4b-c457-4a38-bbdf-069f189b20eb/application", "ashby:29663a4b-c457-4a38-bbdf-069f189b20eb"],
    ["https://www.geckorobotics.com/careers?ashby_jid=34464bf6-1c55-4aed-8d08-ac43c7c965d1", "ashby:34464bf6-1c55-4aed-8d08-ac43c7c965d1"],
    ["https://nvidia.wd5.myworkdayjobs.com/en-US/NVIDIAExternalCareerSite/job/US-CA-Santa-Clara/Engineer_JR1983745", "workday:nvidia:JR1983745"],
    ["https://apply.workable.com/acme/j/4F2A1B9C0D/", "workable:4F2A1B9C0D"],
    ["https://jobs.smartrecruiters.com/Acme/743999912345678-data-engineer", "smartrecruiters:743999912345678"]
  ])("%s has %s", (url, ref) => {
    expect(postingRefs(url)).toContain(ref)
  })

  it("gives a career page and its ATS page one loose numeric reference", () => {
    const listing = postingRefs("https://stripe.com/jobs/listing/software-engineer-new-grad/6025906")
    const search = postingRefs("https://stripe.com/jobs/search?gh_jid=6025906")
    expect(listing.filter((r) => search.includes(r))).toContain("num:6025906")
  })

  it("tells different postings of one board apart", () => {
    expect(refsConflict(postingRefs("https://boards.greenhouse.io/a/jobs/1234567"), postingRefs("https://a.com/careers?gh_jid=7654321"))).toBe(true)
    expect(refsConflict(postingRefs("https://boards.greenhouse.io/a/jobs/1234567"), postingRefs("https://a.com/careers?gh_jid=1234567"))).toBe(false)
    expect(refsConflict(postingRefs("https://careers.microsoft.com/job/1730183/x"), postingRefs("https://careers.microsoft.com/job/1736578/x"))).toBe(true)
    expect(refsConflict([], postingRefs("https://a.com/careers?gh_jid=1234567"))).toBe(false)
  })
})

describe("titleKey and locationKeys", () => {
  it("spell one title one way, decorations aside, levels kept", () => {
    expect(titleKey("Sr. Data Scientist (m/f/d)")).toBe(titleKey("Senior Data Scientist"))
    expect(titleKey("SOFTWARE ENGINEER II - Hiring Now!")).toBe(titleKey("Software Engineer 2"))
    expect(titleKey("Software Engineer – New Grad")).toBe(titleKey("Software Engineer (New Grad)"))
    expect(titleLevels(titleKey("Senior Data Scientist"))).not.toBe(titleLevels(titleKey("Data Scientist")))
    expect(titleLevels(titleKey("Data Engineer I"))).not.toBe(titleLevels(titleKey("Data Engineer II")))
  })

  it("name a place one way", () => {
    expect(locationKeys(["NYC"])).toEqual(locationKeys(["New York, NY"]))
    expect(locationKeys(["Boston, Massachusetts"])).toEqual(locationKeys(["Boston, MA"]))
    expect(locationKeys(["Remote in USA"])).toEqual(["remote"])
    expect(locationKeys(["USA Only"])).toEqual(locationKeys(["United States of America"]))
    expect(locationKeys(["US"])).toEqual(["united states"])
    expect(locationKeys(["Toronto, ON, Canada"])).not.toEqual(locationKeys(["Vancouver, BC, Canada"]))
  })
})

describe("MinHash", () => {
  it("estimates Jaccard similarity within a few points", () => {
    // Within the sketched first SKETCHED_CHARACTERS characters (200 words of ~6 characters).
    const a = text(3, 200).split(" ")
    const b = [...a.slice(0, 150), ...text(4, 50).split(" ")]
    const sa = sketch(a.join(" "))!
    const sb = sketch(b.join(" "))!
    // 148 of 198 shingles of a are in b (3-word shingles across the cut are lost): Jaccard ~ 148 / 248 = 0.6.
    expect(jaccard(sa.signature, sb.signature)).toBeGreaterThan(0.45)
    expect(jaccard(sa.signature, sb.signature)).toBeLessThan(0.75)
    expect(jaccard(sa.signature, sketch(a.join("  \n")) !.signature)).toBe(1)
    expect(sketch("too short to sketch")).toBeNull()
  })

  it("sketches only the start of a long description", () => {
    const start = text(5, 400).slice(0, SKETCHED_CHARACTERS)
    expect(sketch(`${start} ${text(6, 300)}`)!.signature).toEqual(sketch(`${start} ${text(7, 300)}`)!.signature)
    expect(sketch(`${text(8, 30)} ${start}`)!.signature).not.toEqual(sketch(start)!.signature)
  })
})

describe("the layered decision", () => {
  it("merges by requisition id, canonical URL and URL variant, in that order", () => {
    const [, byReq] = run(job({ requisitionId: "R-77" }), job({ requisitionId: "r77", title: "Analytics Lead", source: "b" }))
    expect(reasonOf(byReq!)).toBe("requisition-id")
    const [, byUrl] = run(job({ url: "https://acme.com/jobs/9" }), job({ url: "https://www.acme.com/jobs/9/?utm_source=x", source: "b" }))
    expect(reasonOf(byUrl!)).toBe("canonical-url")
    const [, byRef] = run(
      job({ url: "https://boards.greenhouse.io/acme/jobs/5905734" }),
      job({ url: "https://acme.com/careers?gh_jid=5905734", title: "Data Scientist, Platform", locations: ["Remote"], source: "b" })
    )
    expect(reasonOf(byRef!)).toBe("url-variant")
  })

  it("merges the same title, company and place, legal suffix and casing aside", () => {
    const [, d] = run(job(), job({ company: "ACME ANALYTICS, INC.", title: "Data Scientist (m/f/d)", source: "b" }))
    expect(reasonOf(d!)).toBe("title-company-location")
  })

  it("merges a near-duplicate description with an agreeing title, and a truncated copy", () => {
    const [, wrapped] = run(
      job(),
      job({ title: "Scientist - Data", locations: [], description: `Our client is hiring.\n\n${DESCRIPTION}\n\nApply now via our agency.`, source: "agency" })
    )
    const [, cut] = run(
      job(),
      job({ title: "Scientist, Data", description: DESCRIPTION.slice(0, Math.floor(DESCRIPTION.length * 0.7)), source: "aggregator" })
    )
    expect(reasonOf(wrapped!)).toBe("near-duplicate")
    expect(reasonOf(cut!)).toBe("near-duplicate")
  })

  it("keeps hard negatives apart: other place, other level, other requisition, other ATS posting, other time", () => {
    const first = () => job({ url: "https://boards.greenhouse.io/acme/jobs/1111111", requisitionId: "R-1" })
    const others = [
      job({ locations: ["Denver, CO"] }),
      job({ title: "Senior Data Scientist" }),
      job({ requisitionId: "R-2" }),
      job({ url: "https://boards.greenhouse.io/acme/jobs/2222222" }),
      job({ day: "2024-11-01" })
    ]
    expect(others.map((other) => reasonOf(run(first(), other)[1]!))).toEqual(["unique", "unique", "unique", "unique", "unique"])
    // The same posting again, by contrast, is merged.
    expect(reasonOf(run(first(), job({ source: "b" }))[1]!)).toBe("title-company-location")
  })

  it("takes a remote board's 'anywhere' for the office a remote job reports to, but never an onsite job", () => {
    const office = () => job({ locations: ["Peoria, IL, US"], remote: true })
    expect(reasonOf(run(office(), job({ locations: ["Anywhere in the World"], remote: true, source: "b" }))[1]!)).toBe(
      "title-company-location"
    )
    const onsite = () => job({ locations: ["Peoria, IL, US"] })
    expect(reasonOf(run(onsite(), job({ locations: ["Anywhere in the World"], remote: true, source: "b" }))[1]!)).toBe("unique")
    expect(reasonOf(run(office(), job({ locations: ["Denver, CO"], remote: true, source: "b" }))[1]!)).toBe("unique")
  })

  it("reads differing requisition ids as two openings only within one source", () => {
    // The career site's posting id and the ATS's requisition number of one job are different ids of one posting.
    const careers = () => job({ requisitionId: "DEMO-0014" })
    expect(reasonOf(run(careers(), job({ requisitionId: "REQ-138", source: "b" }))[1]!)).toBe("title-company-location")
    expect(reasonOf(run(careers(), job({ requisitionId: "REQ-138" }))[1]!)).toBe("unique")
  })

  it("flags a similar description under a different specialisation for review, not merge", () => {
    const [, d] = run(job({ title: "Data Scientist NLP Lead" }), job({ title: "Data Scientist Imaging Lead" }))
    expect(d!.kind).toBe("unique")
    expect(d!.kind === "unique" && d!.review?.similarity).toBeGreaterThan(0.8)
  })

  it("makes a repost after the job closed a new job linked to the old one", () => {
    const first = job({ validThrough: "2024-06-30" })
    const [, again] = run(first, job({ day: "2024-07-20", source: "b" }))
    expect(again!.kind === "unique" && again!.repostOf?.jobId).toBe(first.jobId)
  })

  it("gives a posting seen before its first decision again", () => {
    const index = new InMemoryIndex()
    const a = job()
    const b = job({ source: "b" })
    decide(index, a)
    const first = decide(index, b)
    const again = decide(index, b)
    expect(again.decision.kind).toBe("known")
    expect(again.entry.clusterId).toBe(first.entry.clusterId)
    expect(first.entry.clusterId).toBe(a.jobId)
  })
})

describe("on the labelled set from processors/sampleData", () => {
  it("reaches F1 >= 0.95 with precision and recall both >= 0.95", () => {
    const { overall, merges } = evaluate(labelledSet())
    expect(overall.truePairs).toBeGreaterThan(1000)
    expect(overall.precision).toBeGreaterThanOrEqual(0.95)
    expect(overall.recall).toBeGreaterThanOrEqual(0.95)
    expect(overall.f1).toBeGreaterThanOrEqual(0.95)
    expect(merges.get("near-duplicate")?.made ?? 0).toBeGreaterThan(0)
  })
})
