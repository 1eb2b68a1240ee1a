import type { Contact } from "../schemas/Contact.js"
import type { CoverLetter, DraftFact, Outreach, TailoredResume } from "../schemas/Draft.js"
import { type Evidence, evidenceOf, type StatedSkill } from "./resumeEvidence.js"

/**
 * The built-in drafts for a match: their text, and the facts each uses. A template says nothing the facts do not
 * hold: skills only from `Evidence` (stated or implied by the resume), resume lines verbatim, the posting's title,
 * company and contact as it states them.
 */

/** Everything a match's drafts are written from. */
export interface DraftInput {
  readonly seekerName: string
  readonly resumeId: string
  readonly resumeText: string
  readonly job: {
    readonly jobId: string
    readonly title: string
    readonly company: string
    readonly url: string
    readonly description: string
  }
  /** What the scorer recorded for the match. */
  readonly match: { readonly score: number; readonly matchedSkills: ReadonlyArray<string> }
  /** What the posting states (processors/contacts.ts). */
  readonly contacts: ReadonlyArray<Contact>
}

/** A draft's facts and text before a writer is named. */
export type TemplateLetter = Omit<CoverLetter, "writer" | "fallbackReason">
export type TemplateOutreach = Omit<Outreach, "writer" | "fallbackReason">

export interface TemplateDrafts {
  readonly evidence: Evidence
  readonly coverLetter: TemplateLetter
  readonly outreach: TemplateOutreach
  readonly tailoredResume: TailoredResume
}

/** How many of the job's skills and resume lines a letter names: enough to be specific, short enough to read. */
const letterSkills = 6
const letterBullets = 3

export const templateDrafts = (input: DraftInput): TemplateDrafts => {
  const evidence = evidenceOf(input.resumeText, input.job)
  const { job } = input
  const skills = evidence.stated.slice(0, letterSkills)
  const implied = evidence.implied.slice(0, 3)
  const bullets = evidence.leadWith.slice(0, letterBullets)
  const recipient = recipientOf(input.contacts)

  const jobFacts: Array<DraftFact> = [
    { fact: "the position", source: "job", quote: job.title },
    { fact: "the company", source: "job", quote: job.company }
  ]
  const skillFacts = factsOfStated(skills)
  const impliedFacts: Array<DraftFact> = implied.flatMap((s) => [
    { fact: `the posting ${s.required ? "requires" : "asks for"} ${s.skill}`, source: "job" as const, quote: s.askedAs },
    ...s.evidence.map((e) => ({ fact: `the resume shows ${s.skill} through ${e.skill} (line ${e.line})`, source: "resume" as const, quote: e.bullet }))
  ])
  const bulletFacts: Array<DraftFact> = bullets.map((b) => ({
    fact: `resume line ${b.line}${b.skills.length > 0 ? `, showing ${list(b.skills)}` : ""}`,
    source: "resume",
    quote: b.bullet
  }))
  const matchFacts: Array<DraftFact> =
    input.match.matchedSkills.length === 0
      ? []
      : [{ fact: `the matcher scored the match ${Math.round(input.match.score)} of 100, with these skills in both`, source: "match", quote: input.match.matchedSkills.join(", ") }]

  const skillSentence =
    skills.length === 0 ? null : `The role asks for ${list(skills.map((s) => s.skill))}, all of which my experience shows.`
  const impliedSentences = implied.map(
    (s) => `My work with ${list(s.evidence.map((e) => e.skill))} also covers the ${s.skill} the posting asks for.`
  )
  const bulletLines = bullets.map((b) => `- ${stripMarker(b.bullet)}`)
  const greeting = `Dear ${job.company} hiring team,`
  const signOff = `Best regards,\n${input.seekerName}`

  const coverLetter: TemplateLetter = {
    subject: `Application for ${job.title} at ${job.company}`,
    body: [
      greeting,
      `I am writing to apply for the ${job.title} position at ${job.company}.`,
      [skillSentence, ...impliedSentences].filter((s) => s !== null).join(" "),
      bulletLines.length > 0 ? `Some of what I have done:\n${bulletLines.join("\n")}` : "",
      `I would welcome the chance to discuss how I could contribute to ${job.company}.`,
      signOff
    ]
      .filter((p) => p !== "")
      .join("\n\n"),
    facts: [...jobFacts, ...skillFacts, ...impliedFacts, ...bulletFacts, ...matchFacts]
  }

  const top = bullets[0]
  const outreach: TemplateOutreach = {
    recipient,
    recipientNote:
      recipient === null
        ? "The posting names no contact person or email address: this message is addressed to the hiring team and names no recipient. Send it through the posting's page, or to someone the company names to you."
        : null,
    subject: `The ${job.title} role at ${job.company}`,
    body: [
      recipient?.name != null ? `Dear ${recipient.name},` : greeting,
      `I am applying for the ${job.title} role at ${job.company} and wanted to introduce myself.${
        skills.length > 0 ? ` The posting asks for ${list(skills.slice(0, 3).map((s) => s.skill))}, which my experience covers.` : ""
      }${top === undefined ? "" : ` Most relevant, from my resume: "${stripMarker(top.bullet)}"`}`,
      "Would you be open to a short conversation about the role, or could you tell me who is best to talk to?",
      signOff
    ].join("\n\n"),
    facts: [
      ...jobFacts,
      ...(recipient === null ? [] : [{ fact: "the contact the posting names", source: "job" as const, quote: recipient.span.text }]),
      ...factsOfStated(skills.slice(0, 3)),
      ...bulletFacts.slice(0, 1)
    ]
  }

  const tailoredResume: TailoredResume = {
    leadWith: evidence.leadWith,
    impliedSkills: evidence.implied,
    facts: [
      ...evidence.leadWith.map((b) => ({ fact: `lead with line ${b.line} (relevance ${b.relevance})`, source: "resume" as const, quote: b.bullet })),
      ...impliedFacts
    ]
  }
  return { evidence, coverLetter, outreach, tailoredResume }
}

/**
 * Who the outreach goes to: the person or address the posting states with the highest confidence (a named person
 * before a bare address at equal confidence, then the first stated); an apply link is no one to write to.
 */
export const recipientOf = (contacts: ReadonlyArray<Contact>): Contact | null =>
  [...contacts]
    .filter((c) => c.kind === "person" || c.kind === "email")
    .sort((a, b) => b.confidence - a.confidence || Number(b.kind === "person") - Number(a.kind === "person") || a.span.start - b.span.start)[0] ?? null

/** What the posting asks of each skill, and the resume line that names it. */
const factsOfStated = (skills: ReadonlyArray<StatedSkill>): Array<DraftFact> =>
  skills.flatMap((s) => [
    { fact: `the posting ${s.required ? "requires" : "asks for"} ${s.skill}`, source: "job" as const, quote: s.askedAs },
    { fact: `the resume names ${s.skill} (line ${s.line})`, source: "resume" as const, quote: s.bullet }
  ])

/** "A", "A and B", "A, B and C". */
export const list = (items: ReadonlyArray<string>) =>
  items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`

/** A resume line without its list marker ("- ", "• ", "* "), for a letter's own list. */
const stripMarker = (line: string) => line.replace(/^[-•·*▪◦‣●–]\s*/, "")
