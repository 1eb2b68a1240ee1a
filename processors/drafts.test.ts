import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { ConfigProvider, Duration, Effect, Layer, Option, Redacted } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type { MatchDrafts } from "../schemas/Draft.js"
import type { LlmSettings } from "./chatCompletions.js"
import { extractContacts } from "./contacts.js"
import { type DraftInput, recipientOf, templateDrafts } from "./draftTemplates.js"
import { DraftWriter, layer, layerConfig } from "./drafts.js"
import { extractSkills, matchSkills, skillName } from "./matching/skills.js"
import { unsupportedSkills } from "./resumeEvidence.js"
import { glassdoorRows } from "./sampleData.js"

const resume = `Maya Chen
Data Engineer, Berlin

Experience
- Built streaming pipelines on Kafka and Spark that process 2 billion events a day
- Designed the billing schemas in PostgreSQL and MySQL and tuned their slowest queries
- Ran the team's on-call rotation and wrote its runbooks
- Mentored three junior engineers

Skills: Python, Kafka, Spark, PostgreSQL, MySQL, Airflow`

const description = `About the role
You will own our event pipelines.

Requirements:
- Strong SQL and Python
- Kafka streaming pipelines in production
- Airflow or a similar scheduler

Nice to have: Kubernetes

Questions? Reach out to Jane Doe, our Head of Talent, at jane.doe@acme.example.`

const input = (overrides: Partial<DraftInput> = {}): DraftInput => ({
  seekerName: "Maya Chen",
  resumeId: "res-1",
  resumeText: resume,
  job: { jobId: "0".repeat(32), title: "Senior Data Engineer", company: "Acme Analytics", url: "https://careers.example/1", description },
  match: { score: 87, matchedSkills: ["Python", "Apache Kafka", "SQL"] },
  contacts: extractContacts({ description }),
  ...overrides
})

/** The skills a text names outside the phrases it may quote (the job's title, the company, names), by id. */
const skillsNamed = (text: string, quoted: ReadonlyArray<string>) => {
  let rest = text
  for (const phrase of quoted.filter((q) => q !== "")) rest = rest.split(phrase).join("\n")
  return new Set(matchSkills(rest).map((m) => m.id))
}

/** Every skill any draft names that the resume does not show: what the drafts must never do. */
const claimsBeyond = (drafts: Pick<MatchDrafts, "coverLetter" | "outreach" | "tailoredResume">, i: DraftInput) => {
  const shown = extractSkills(i.resumeText)
  const quoted = [i.job.title, i.job.company, i.seekerName, drafts.outreach.recipient?.name ?? "", drafts.outreach.recipient?.title ?? ""]
  const texts = [
    drafts.coverLetter.subject,
    drafts.coverLetter.body,
    drafts.outreach.subject,
    drafts.outreach.body,
    ...[drafts.coverLetter, drafts.outreach, drafts.tailoredResume].flatMap((d) => d.facts.map((f) => f.fact)),
    ...drafts.tailoredResume.leadWith.flatMap((b) => [b.bullet, ...b.skills]),
    ...drafts.tailoredResume.impliedSkills.flatMap((s) => [s.skill, ...s.evidence.map((e) => e.skill)])
  ]
  return [...new Set(texts.flatMap((t) => [...skillsNamed(t, quoted)]))].filter((id) => !shown.has(id)).map(skillName)
}

describe("template drafts", () => {
  const t = templateDrafts(input())

  it("write a cover letter from the job, the resume's own lines and the skills it shows", () => {
    expect(t.coverLetter.subject).toBe("Application for Senior Data Engineer at Acme Analytics")
    const body = t.coverLetter.body
    expect(body.startsWith("Dear Acme Analytics hiring team,\n\nI am writing to apply for the Senior Data Engineer position at Acme Analytics.")).toBe(true)
    expect(body).toContain("The role asks for Python, Apache Kafka and Apache Airflow, all of which my experience shows.")
    expect(body).toContain("My work with PostgreSQL and MySQL also covers the SQL the posting asks for.")
    expect(body).toContain("- Built streaming pipelines on Kafka and Spark that process 2 billion events a day")
    expect(body.endsWith("Best regards,\nMaya Chen")).toBe(true)
    expect(body).not.toContain("Kubernetes")
  })

  it("rank the resume's lines by the job's skills and words, quoting each verbatim; a skills list is no bullet", () => {
    const lead = t.tailoredResume.leadWith
    expect(lead.map((b) => b.line)).toEqual([5, 6])
    expect(lead[0]).toMatchObject({ bullet: "- Built streaming pipelines on Kafka and Spark that process 2 billion events a day", skills: ["Apache Kafka"] })
    expect(lead[1]).toMatchObject({ line: 6, skills: ["SQL"] })
    for (const b of lead) expect(resume.split("\n")[b.line - 1]!.trim()).toBe(b.bullet)
    expect(lead[0]!.relevance).toBeGreaterThan(lead[1]!.relevance)
  })

  it("name the job's skills the resume shows only through others, with the lines that show them", () => {
    expect(t.tailoredResume.impliedSkills).toEqual([
      {
        skill: "SQL",
        required: true,
        askedAs: "SQL",
        evidence: [
          { skill: "PostgreSQL", line: 6, bullet: "- Designed the billing schemas in PostgreSQL and MySQL and tuned their slowest queries" },
          { skill: "MySQL", line: 6, bullet: "- Designed the billing schemas in PostgreSQL and MySQL and tuned their slowest queries" }
        ]
      }
    ])
  })

  it("list every fact they use, each quote verbatim from its source", () => {
    const all = [...t.coverLetter.facts, ...t.outreach.facts, ...t.tailoredResume.facts]
    expect(new Set(all.map((f) => f.source))).toEqual(new Set(["job", "resume", "match"]))
    for (const f of all) {
      if (f.source === "resume") expect(resume).toContain(f.quote)
      if (f.source === "job") expect(`${input().job.title}\n\n${description}\nAcme Analytics`).toContain(f.quote)
      if (f.source === "match") expect(f.quote).toBe("Python, Apache Kafka, SQL")
    }
    expect(t.coverLetter.facts).toContainEqual({ fact: "the resume shows SQL through PostgreSQL (line 6)", source: "resume", quote: resume.split("\n")[5]!.trim() })
  })

  it("write the outreach to the posting's contact, the one it states with the highest confidence", () => {
    expect(t.outreach.recipient).toMatchObject({ kind: "person", name: "Jane Doe", email: "jane.doe@acme.example" })
    expect(t.outreach.recipientNote).toBeNull()
    expect(t.outreach.body.startsWith("Dear Jane Doe,\n\nI am applying for the Senior Data Engineer role at Acme Analytics")).toBe(true)
    expect(t.outreach.facts).toContainEqual({ fact: "the contact the posting names", source: "job", quote: "Jane Doe, our Head of Talent, at jane.doe@acme.example" })
    const span = (start: number, text: string) => ({ start, end: start + text.length, text })
    const bare = { kind: "email" as const, name: null, title: null, url: null }
    const link = { ...bare, kind: "apply-link" as const, email: null, url: "https://x.example" }
    expect(
      recipientOf([
        { ...link, span: span(0, "https://x.example"), confidence: 0.95 },
        { ...bare, email: "a@x.example", span: span(20, "a@x.example"), confidence: 0.7 },
        { ...bare, email: "b@x.example", span: span(40, "b@x.example"), confidence: 0.9 }
      ])?.email
    ).toBe("b@x.example")
  })

  it("address the hiring team and say so when the posting states no contact, inventing none", () => {
    const none = templateDrafts(input({ job: { ...input().job, description: description.replace(/\nQuestions\?.*$/s, "") }, contacts: [] }))
    expect(none.outreach.recipient).toBeNull()
    expect(none.outreach.recipientNote).toMatch(/^The posting names no contact person or email address: this message is addressed to the hiring team/)
    expect(none.outreach.body.startsWith("Dear Acme Analytics hiring team,")).toBe(true)
    expect(none.outreach.body).not.toMatch(/@|Jane/)
  })
})

describe("the drafts never claim a skill the resume does not show", () => {
  it("on a job that asks for skills the resume lacks, even in its title", () => {
    const adversarial = input({
      job: {
        ...input().job,
        title: "Rust and Kubernetes Engineer",
        description: "Requirements:\n- Rust, Go and Haskell in production\n- Kubernetes, Terraform and SQL\n- Kafka\n\nNice to have: Scala, PostgreSQL"
      },
      match: { score: 40, matchedSkills: ["Apache Kafka", "SQL", "PostgreSQL"] },
      contacts: []
    })
    const t = templateDrafts(adversarial)
    // The job does ask for what the resume lacks, so a draft that copied the job's asks would be caught.
    const lacking = [...extractSkills(adversarial.job.description)].filter((id) => !extractSkills(resume).has(id)).map(skillName)
    expect(lacking).toEqual(expect.arrayContaining(["Rust", "Haskell", "Kubernetes", "Terraform", "Scala"]))
    expect(claimsBeyond({ ...t, coverLetter: { ...t.coverLetter, body: `${t.coverLetter.body} I know Haskell.` } } as never, adversarial)).toEqual(["Haskell"])
    expect(claimsBeyond(t as never, adversarial)).toEqual([])
    expect(t.coverLetter.body).toContain("Apache Kafka")
    expect(t.tailoredResume.impliedSkills.map((s) => s.skill)).toEqual(["SQL"])
    // The writer's check of an endpoint's text reads the job's missing skills in any context, and lets the title be.
    const { title, company } = adversarial.job
    expect(unsupportedSkills("Dear team, I know Rust, and Go too. Maya", t.evidence, [title, company])).toEqual(["Rust", "Go"])
    expect(unsupportedSkills(`I am applying for the ${title} position at ${company}, with Kafka and SQL.`, t.evidence, [title, company])).toEqual([])
  })

  it("across 200 real postings and three resumes", () => {
    const resumes = [
      resume,
      "Backend engineer. Go services on Kubernetes with gRPC; PostgreSQL; on-call for payments.\n- Cut p99 latency of the checkout API by 40% in Go\n- Ran Terraform for 30 AWS accounts",
      "Marketing analyst\n- Built Tableau dashboards for campaign analytics in Excel and SQL Server\n- A/B testing of landing pages with R"
    ]
    let checked = 0
    let naming = 0
    for (const row of glassdoorRows().slice(0, 200)) {
      for (const resumeText of resumes) {
        const i = input({
          resumeText,
          job: { jobId: "1".repeat(32), title: row.title, company: row.company.split("\n")[0]!, url: "https://x.example", description: row.description },
          contacts: extractContacts({ description: row.description })
        })
        const t = templateDrafts(i)
        expect(claimsBeyond(t as never, i), `${row.row}: ${row.title}`).toEqual([])
        for (const b of t.tailoredResume.leadWith) expect(resumeText).toContain(b.bullet)
        checked += 1
        if (t.evidence.stated.length + t.evidence.implied.length > 0 && t.evidence.missing.length > 0) naming += 1
      }
    }
    expect(checked).toBe(600)
    // Most pairs name skills in their letters while the posting asks for others the resume lacks: the property bites.
    expect(naming).toBeGreaterThan(300)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// The writer with an OpenAI-compatible endpoint: a fake one over real HTTP on 127.0.0.1.

let answer: (system: string) => { status: number; body: unknown; delayMs?: number } = () => ({ status: 200, body: {} })
const requests: Array<{ authorization: string | undefined; body: { model: string; messages: Array<{ role: string; content: string }> } }> = []
let server: Server
let baseUrl: string
const completion = (content: string) => ({ choices: [{ index: 0, message: { role: "assistant", content } }] })

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (c: Buffer) => chunks.push(c))
    request.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as (typeof requests)[number]["body"]
      requests.push({ authorization: request.headers.authorization, body })
      const { status, body: reply, delayMs } = answer(body.messages[0]!.content)
      setTimeout(() => {
        response.writeHead(status, { "content-type": "application/json" })
        response.end(typeof reply === "string" ? reply : JSON.stringify(reply))
      }, delayMs ?? 0)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

beforeEach(() => {
  requests.length = 0
})

const settings = (): LlmSettings => ({ url: baseUrl, apiKey: Option.some(Redacted.make("sk-drafts")), model: "draft-model", timeout: Duration.millis(500) })
const draftWith = <E>(writer: Layer.Layer<DraftWriter, E>, i = input()) =>
  Effect.runPromise(Effect.flatMap(DraftWriter, (w) => w.draft(i)).pipe(Effect.provide(writer)))

/** The cover letter's and the outreach's answers, told apart by their system prompts. */
const letters = (cover: string, outreach: string) => (system: string) => ({
  status: 200,
  body: completion(system.includes("cover letter") ? cover : outreach)
})

describe("the drafts writer", () => {
  it("without an endpoint (none in the environment) gives the templates, and computes the suggestions", async () => {
    const drafts = await draftWith(layerConfig.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map())))))
    const t = templateDrafts(input())
    expect(drafts).toEqual({
      jobId: "0".repeat(32),
      resumeId: "res-1",
      coverLetter: { ...t.coverLetter, writer: "template", fallbackReason: null },
      outreach: { ...t.outreach, writer: "template", fallbackReason: null },
      tailoredResume: t.tailoredResume
    })
    expect(requests).toHaveLength(0)
  })

  it("has the endpoint write both letters from the facts only, keeping the computed suggestions", async () => {
    answer = letters("Subject: Hi\n\nDear Acme Analytics hiring team,\n\nI build Kafka pipelines and SQL schemas.\n\nMaya Chen", "Dear Jane Doe,\n\nCould we talk? Write to jane.doe@acme.example.\n\nMaya Chen")
    const provider = ConfigProvider.fromMap(
      new Map([
        ["JOBSTREAM_DRAFTS_LLM_URL", baseUrl],
        ["JOBSTREAM_DRAFTS_LLM_KEY", "sk-from-env"],
        ["JOBSTREAM_DRAFTS_LLM_MODEL", "env-model"],
        ["JOBSTREAM_DRAFTS_LLM_TIMEOUT", "2 seconds"]
      ])
    )
    const drafts = await draftWith(layerConfig.pipe(Layer.provide(Layer.setConfigProvider(provider))))
    expect(drafts.coverLetter).toMatchObject({ writer: "llm", fallbackReason: null, body: "Dear Acme Analytics hiring team,\n\nI build Kafka pipelines and SQL schemas.\n\nMaya Chen" })
    expect(drafts.coverLetter.subject).toBe("Application for Senior Data Engineer at Acme Analytics")
    expect(drafts.outreach).toMatchObject({ writer: "llm", recipient: { name: "Jane Doe" } })
    expect(drafts.tailoredResume).toEqual(templateDrafts(input()).tailoredResume)
    expect(requests).toHaveLength(2)
    for (const r of requests) {
      expect(r.authorization).toBe("Bearer sk-from-env")
      expect(r.body.model).toBe("env-model")
      const sent = JSON.parse(r.body.messages[1]!.content) as { seekerName: string; addressTo: string; facts: Array<{ quote: string }> }
      expect(sent.seekerName).toBe("Maya Chen")
      // The facts and nothing else of the resume: its other lines stay home.
      expect(JSON.stringify(sent)).not.toContain("Mentored three junior engineers")
      expect(sent.facts.length).toBeGreaterThan(2)
    }
    const outreachRequest = requests.find((r) => r.body.messages[0]!.content.includes("message from a job seeker"))!
    expect(JSON.parse(outreachRequest.body.messages[1]!.content)).toMatchObject({ addressTo: "Jane Doe (Head of Talent)" })
  })

  it.each([
    ["names a skill the resume lacks", letters("Dear team, I have shipped Rust and Kubernetes for years. Maya Chen", "Dear Jane Doe, hello. Maya Chen"), "cover letter", /^the drafts LLM's text was refused: it names Rust and Kubernetes, which the resume does not show; the template wrote this draft instead$/],
    ["invents an address", letters("Dear team, hello. Maya Chen", "Dear Jane Doe, or write to ceo@acme.example. Maya Chen"), "outreach", /it names ceo@acme\.example, an address the posting does not give/],
    ["answers HTTP 500", () => ({ status: 500, body: { error: { message: "overloaded" } } }), "both", /^the drafts LLM endpoint failed: HTTP 500: .*overloaded/],
    ["answers garbage", () => ({ status: 200, body: "<html>not json</html>" }), "both", /not a chat completion/],
    ["answers too late", () => ({ status: 200, body: completion("late"), delayMs: 1_500 }), "both", /no answer within 500ms/]
  ] as const)("falls back to the template when the endpoint %s, and says why", async (_label, reply, which, reason) => {
    answer = reply
    const drafts = await draftWith(layer(Option.some(settings())))
    const t = templateDrafts(input())
    const fell = which === "both" ? ["coverLetter", "outreach"] as const : which === "cover letter" ? ["coverLetter"] as const : ["outreach"] as const
    for (const key of fell) {
      expect(drafts[key].writer).toBe("template")
      expect(drafts[key].body).toBe(t[key].body)
      expect(drafts[key].fallbackReason).toMatch(reason)
    }
    for (const key of (["coverLetter", "outreach"] as const).filter((k) => !(fell as ReadonlyArray<string>).includes(k))) expect(drafts[key].writer).toBe("llm")
    expect(claimsBeyond(drafts, input())).toEqual([])
  })
})
