import { Context, Effect, Layer, Option, Stream } from "effect"
import type { Followup, FollowupDraft, StalledApplication } from "../schemas/Application.js"
import { complete, letterBody, LlmError, settingsConfig as llmSettingsConfig, type LlmSettings } from "./chatCompletions.js"

/** Follow-up drafts for stalled applications: a template, or an OpenAI-compatible endpoint when configured. */
export class FollowupWriter extends Context.Tag("jobstream/FollowupWriter")<
  FollowupWriter,
  {
    /** Never fails: without an endpoint, or when it fails, the template writes the draft (and says why). */
    readonly draft: (application: StalledApplication) => Effect.Effect<FollowupDraft>
  }
>() {}

export const make = (llm: Option.Option<LlmSettings>) =>
  Effect.sync(() =>
    FollowupWriter.of({
      draft: (application) => {
        const template = templateDraft(application)
        if (Option.isNone(llm)) return Effect.succeed({ ...template, writer: "template", fallbackReason: null } as const)
        return llmBody(llm.value, application).pipe(
          Effect.map((body): FollowupDraft => ({ subject: template.subject, body, writer: "llm", fallbackReason: null })),
          Effect.catchAll((error) =>
            Effect.logWarning("follow-up draft falls back to the template", error.message).pipe(
              Effect.as<FollowupDraft>({
                ...template,
                writer: "template",
                fallbackReason: `${error.message}; the template wrote this draft instead`
              })
            )
          ),
          Effect.withSpan("FollowupWriter.draft"),
          Effect.annotateLogs("component", "FollowupWriter")
        )
      }
    })
  )

export const layer = (llm: Option.Option<LlmSettings>) => Layer.effect(FollowupWriter, make(llm))

/** Template drafts only: what `layerConfig` gives when no endpoint is configured. */
export const layerTemplate = layer(Option.none())

/** `JOBSTREAM_FOLLOWUP_LLM_URL` turns the endpoint on (chatCompletions.ts); without it every draft comes from the template. */
export const settingsConfig = llmSettingsConfig("JOBSTREAM_FOLLOWUP_LLM")

export const layerConfig = Layer.effect(FollowupWriter, Effect.flatMap(settingsConfig, make))

/**
 * Stalled applications -> follow-ups, each with its draft, in order. Up to four drafts are written at once
 * (an endpoint answers in seconds; a seeker has few stalled applications).
 */
export const followupDrafts = <E, R>(
  self: Stream.Stream<StalledApplication, E, R>
): Stream.Stream<Followup, E, R | FollowupWriter> =>
  Stream.mapEffect(
    self,
    (application) => Effect.flatMap(FollowupWriter, (writer) => Effect.map(writer.draft(application), (draft) => ({ ...application, draft }))),
    { concurrency: 4 }
  )

/** The built-in draft: a short, polite note naming the job, the company, the dates and the seeker. */
export const templateDraft = (a: StalledApplication): { subject: string; body: string } => {
  const applied = formatDate(a.appliedOn)
  const lastChange = formatDate(a.lastChangeAt)
  const waited = `${a.daysSinceChange} ${a.daysSinceChange === 1 ? "day" : "days"}`
  const opening = openingOf(a, applied, lastChange, waited)
  return {
    subject: a.status === "offer" ? `Following up on the ${a.title} offer` : `Following up on my application for ${a.title}`,
    body: [
      `Dear ${a.company} hiring team,`,
      opening,
      "I remain very interested in the role and would be glad to send anything else that helps. Could you let me know where things stand?",
      `Best regards,\n${a.seekerName}`
    ].join("\n\n")
  }
}

const openingOf = (a: StalledApplication, applied: string, lastChange: string, waited: string) => {
  switch (a.status) {
    case "applied":
      return `I applied for the ${a.title} position on ${applied} and wanted to follow up on my application. I have not heard back since ${lastChange}, ${waited} ago.`
    case "screening":
      return `Thank you again for the screening conversation about the ${a.title} position, which I applied for on ${applied}. It has been ${waited} since ${lastChange}, and I wanted to ask about the next steps.`
    case "interview":
      return `Thank you again for the interview for the ${a.title} position, which I applied for on ${applied}. It has been ${waited} since ${lastChange}, and I wanted to ask where the process stands.`
    case "offer":
      return `Thank you for the offer for the ${a.title} position. It has been ${waited} since ${lastChange}, and I wanted to follow up on the details and the next steps.`
    default:
      return `I am following up on my application for the ${a.title} position (applied on ${applied}, last update on ${lastChange}, ${waited} ago).`
  }
}

/** The body the endpoint writes; the subject stays the template's, so drafts are recognisable in a mailbox. */
export const llmBody = (settings: LlmSettings, a: StalledApplication) =>
  complete(settings, {
    purpose: "follow-up",
    system: systemPrompt,
    user: JSON.stringify(factsOf(a)),
    maxTokens: 400,
    temperature: 0.3
  }).pipe(
    Effect.map((content) => letterBody(content, maxBodyCharacters)),
    Effect.filterOrFail(
      (body) => body.length > 0,
      () => new LlmError({ purpose: "follow-up", reason: "the answer has no text" })
    )
  )

const systemPrompt = [
  "You write short, polite follow-up emails from a job seeker to a company's hiring team.",
  "The user message is JSON describing one job application that has had no news for a while.",
  "Write only the email body in plain text: a greeting to the company's hiring team, two or three sentences that",
  "name the position and the dates given, and a sign-off with the seeker's name. No subject line, no placeholders,",
  "no facts that are not in the JSON, at most 150 words."
].join(" ")

const factsOf = (a: StalledApplication) => ({
  seekerName: a.seekerName,
  position: a.title,
  company: a.company,
  stage: a.status,
  appliedOn: formatDate(a.appliedOn),
  lastUpdate: formatDate(a.lastChangeAt),
  daysWithoutNews: a.daysSinceChange
})

const maxBodyCharacters = 4000

const dateFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" })

/** `2025-03-04` or an ISO instant -> `4 March 2025` (UTC). */
export const formatDate = (isoDateOrInstant: string) =>
  dateFormat.format(new Date(isoDateOrInstant.length === 10 ? `${isoDateOrInstant}T00:00:00Z` : isoDateOrInstant))

