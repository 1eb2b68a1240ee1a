import { Context, Data, Effect, Layer, Option } from "effect"
import type { CoverLetter, MatchDrafts, Outreach } from "../schemas/Draft.js"
import { complete, letterBody, settingsConfig as llmSettingsConfig, type LlmSettings } from "./chatCompletions.js"
import { type DraftInput, list, type TemplateDrafts, templateDrafts } from "./draftTemplates.js"
import { unsupportedSkills } from "./resumeEvidence.js"

/**
 * The drafts writer: a cover letter, an outreach message and resume suggestions for a match. The suggestions are
 * always computed (resumeEvidence.ts); the two letters come from the templates (draftTemplates.ts) or, when an
 * OpenAI-compatible endpoint is configured, from the endpoint, given the template's facts and nothing else. Its
 * text is refused, and the template used, when it names a skill the resume does not show or an email address the
 * posting does not give.
 */

/**
 * The endpoint's text says more than the facts: what happens next is the template's draft, with this reason.
 */
export class DraftRefused extends Data.TaggedError("DraftRefused")<{ readonly reason: string }> {
  override get message() {
    return `the drafts LLM's text was refused: ${this.reason}`
  }
}

export class DraftWriter extends Context.Tag("jobstream/DraftWriter")<
  DraftWriter,
  {
    /** Never fails: without an endpoint, or when it fails, the templates write the letters (and say why). */
    readonly draft: (input: DraftInput) => Effect.Effect<MatchDrafts>
  }
>() {}

export const make = (llm: Option.Option<LlmSettings>) =>
  Effect.sync(() =>
    DraftWriter.of({
      draft: (input) => {
        const t = templateDrafts(input)
        const base = { jobId: input.job.jobId, resumeId: input.resumeId, tailoredResume: t.tailoredResume }
        if (Option.isNone(llm))
          return Effect.succeed({
            ...base,
            coverLetter: { ...t.coverLetter, writer: "template", fallbackReason: null },
            outreach: { ...t.outreach, writer: "template", fallbackReason: null }
          })
        const settings = llm.value
        return Effect.all(
          {
            coverLetter: written<CoverLetter>(settings, input, t, "cover letter", t.coverLetter),
            outreach: written<Outreach>(settings, input, t, "outreach", t.outreach)
          },
          { concurrency: 2 }
        ).pipe(
          Effect.map((letters): MatchDrafts => ({ ...base, ...letters })),
          Effect.withSpan("DraftWriter.draft"),
          Effect.annotateLogs("component", "DraftWriter")
        )
      }
    })
  )

export const layer = (llm: Option.Option<LlmSettings>) => Layer.effect(DraftWriter, make(llm))

/** Template drafts only: what `layerConfig` gives when no endpoint is configured. */
export const layerTemplate = layer(Option.none())

/** `JOBSTREAM_DRAFTS_LLM_URL` (`_KEY`, `_MODEL`, `_TIMEOUT`: chatCompletions.ts) turns the endpoint on. */
export const settingsConfig = llmSettingsConfig("JOBSTREAM_DRAFTS_LLM")

export const layerConfig = Layer.effect(DraftWriter, Effect.flatMap(settingsConfig, make))

type Kind = "cover letter" | "outreach"

/** One letter by the endpoint, or the template's with the reason it was used. */
const written = <D extends CoverLetter | Outreach>(
  settings: LlmSettings,
  input: DraftInput,
  t: TemplateDrafts,
  kind: Kind,
  template: Omit<D, "writer" | "fallbackReason">
): Effect.Effect<D> =>
  llmBody(settings, input, t, kind).pipe(
    Effect.map((body) => ({ ...template, body, writer: "llm", fallbackReason: null }) as D),
    Effect.catchAll((error) =>
      Effect.logWarning(`${kind} draft falls back to the template`, error.message).pipe(
        Effect.as({ ...template, writer: "template", fallbackReason: `${error.message}; the template wrote this draft instead` } as D)
      )
    )
  )

/** The endpoint's body for one letter, from the template's facts only, checked against the resume's evidence. */
export const llmBody = (settings: LlmSettings, input: DraftInput, t: TemplateDrafts, kind: Kind) => {
  const letter = kind === "cover letter" ? t.coverLetter : t.outreach
  const recipient = t.outreach.recipient
  const addressTo =
    kind === "outreach" && recipient?.name != null
      ? `${recipient.name}${recipient.title === null ? "" : ` (${recipient.title})`}`
      : `the ${input.job.company} hiring team`
  return complete(settings, {
    purpose: "drafts",
    system: kind === "cover letter" ? coverLetterPrompt : outreachPrompt,
    user: JSON.stringify({
      seekerName: input.seekerName,
      position: input.job.title,
      company: input.job.company,
      addressTo,
      facts: letter.facts.map((f) => ({ fact: f.fact, quote: f.quote }))
    }),
    maxTokens: 600,
    temperature: 0.3
  }).pipe(
    Effect.map((content) => letterBody(content, maxBodyCharacters)),
    Effect.flatMap((body) => {
      if (body.length === 0) return Effect.fail(new DraftRefused({ reason: "it has no text but a subject line" }))
      const allowed = [input.job.title, input.job.company, input.seekerName, recipient?.name ?? "", recipient?.title ?? ""]
      const unsupported = unsupportedSkills(body, t.evidence, allowed)
      if (unsupported.length > 0)
        return Effect.fail(new DraftRefused({ reason: `it names ${list(unsupported)}, which the resume does not show` }))
      const addresses = [...body.matchAll(EMAIL)].map((m) => m[0]).filter((a) => a.toLowerCase() !== recipient?.email?.toLowerCase())
      if (addresses.length > 0)
        return Effect.fail(new DraftRefused({ reason: `it names ${list(addresses)}, an address the posting does not give` }))
      return Effect.succeed(body)
    })
  )
}

const rules = [
  "The user message is JSON: the seeker's name, the position, the company, whom to address, and numbered facts,",
  "each with a quote from the seeker's resume, the job posting or the match. Use those facts and nothing else:",
  "name no skill, tool, employer, degree, number or person that the facts do not contain, and no email address.",
  "Write only the body in plain text: a greeting to `addressTo`, the text, and a sign-off with the seeker's name.",
  "No subject line, no placeholders."
].join(" ")

const coverLetterPrompt = `You write a job seeker's cover letter for one position, at most 250 words. ${rules}`

const outreachPrompt = `You write a short, polite message from a job seeker to a company's contact about one position, asking for a conversation, at most 120 words. ${rules}`

const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g

const maxBodyCharacters = 6000
