import { Effect, Either, Schema } from "effect"
import type { ApplicationEvent } from "../schemas/Application.js"
import { deadLetter, decode, hashId, Topics, type Envelope, type Received } from "../schemas/Envelope.js"
import type { ApprovedApplication } from "../schemas/Review.js"
import type { Match } from "../schemas/Seeker.js"
import { Postgres, type PostgresError, type RowDecodeError } from "../stack/Postgres.js"
import type { Stage } from "../stack/stage.js"
import { emailAvailable } from "./email.js"
import { channelsOf, recordNotifications, type NotificationDraft, type SeekerChannels } from "./notifications.js"

type Event =
  | { readonly topic: "match"; readonly match: Match }
  | { readonly topic: "move"; readonly event: ApplicationEvent }
  | { readonly topic: "approved"; readonly approved: ApprovedApplication }

const read = (record: Received): Either.Either<Event, string> => {
  const failed = (e: { reason: string }) => `DecodeError: ${e.reason}`
  switch (record.topic) {
    case Topics.scored.name:
      return Either.mapBoth(decode(Topics.scored, record), { onLeft: failed, onRight: (match) => ({ topic: "match", match }) })
    case Topics.applicationEvents.name:
      return Either.mapBoth(decode(Topics.applicationEvents, record), { onLeft: failed, onRight: (event) => ({ topic: "move", event }) })
    case Topics.approved.name:
      return Either.mapBoth(decode(Topics.approved, record), { onLeft: failed, onRight: (approved) => ({ topic: "approved", approved }) })
    default:
      return Either.left(`a topic this stage does not read: ${record.topic}`)
  }
}

const JobRow = Schema.Struct({ job_id: Schema.String, title: Schema.String, company: Schema.String })

type JobNames = ReadonlyMap<string, { readonly title: string; readonly company: string }>

const named = (jobs: JobNames, jobId: string) => {
  const job = jobs.get(jobId)
  return job === undefined ? "a job" : `${job.title} at ${job.company}`
}

/** What the seeker is told of an event, when anything: null for what does not concern them. */
export const draftOf = (event: Event, seeker: SeekerChannels, jobs: JobNames): NotificationDraft | null => {
  switch (event.topic) {
    case "match": {
      const m = event.match
      if (m.decision === "reject" || m.score < seeker.matchThreshold) return null
      const skills = m.explanation.matchedSkills.slice(0, 5)
      return {
        // Once per seeker and job: a job scored again (a new version, a new resume) is not news again.
        notificationId: hashId("notify-match", m.seekerId, m.jobId),
        seekerId: m.seekerId,
        kind: "match",
        title: `New match (${m.score}): ${named(jobs, m.jobId)}`,
        body: `${named(jobs, m.jobId)} scores ${m.score} for you${skills.length > 0 ? `, on ${skills.join(", ")}` : ""}.`,
        jobId: m.jobId,
        applicationId: null,
        data: { score: m.score, decision: m.decision, matchedSkills: skills, source: m.source }
      }
    }
    case "move": {
      const e = event.event
      // The creation is the seeker's own doing; every move after it is news.
      if (e.from === null) return null
      return {
        notificationId: hashId("notify-move", e.eventId),
        seekerId: e.seekerId,
        kind: "application_status",
        title: `Your application for ${named(jobs, e.jobId)} is now ${e.to.replace("_", " ")}`,
        body: `Your application for ${named(jobs, e.jobId)} moved from ${e.from.replace("_", " ")} to ${e.to.replace("_", " ")}.`,
        jobId: e.jobId,
        applicationId: e.applicationId,
        data: { from: e.from, to: e.to, at: e.at }
      }
    }
    case "approved": {
      const a = event.approved
      if (a.approval.by !== "reviewer") return null
      return {
        notificationId: hashId("notify-approved", a.eventId),
        seekerId: a.seeker.seekerId,
        kind: "approved",
        title: `A reviewer approved ${a.job.title} at ${a.job.company}`,
        body: `A reviewer approved your application for ${a.job.title} at ${a.job.company} (score ${a.score}); it goes to ${a.job.applyUrl}.`,
        jobId: a.job.jobId,
        applicationId: null,
        data: { score: a.score, approvedAt: a.approvedAt, url: a.job.applyUrl }
      }
    }
  }
}

const seekerOf = (event: Event) =>
  event.topic === "match" ? event.match.seekerId : event.topic === "move" ? event.event.seekerId : event.approved.seeker.seekerId

const jobOf = (event: Event) =>
  event.topic === "match" ? event.match.jobId : event.topic === "move" ? event.event.jobId : event.approved.job.jobId

/**
 * `jobs.scored`, `applications.events` and `applications.approved` -> the `notifications` table and each new
 * notification's deliveries, in one transaction per batch; the notifier (notifier.ts) sends them. Publishes
 * only dead letters. Notification ids come from the events, so a replayed batch records nothing new.
 */
export const notificationIntake: Stage<PostgresError | RowDecodeError, Postgres> = {
  name: "notify",
  groupId: "jobstream.notify",
  topics: [Topics.scored.name, Topics.applicationEvents.name, Topics.approved.name],
  handle: (batch) =>
    Effect.gen(function* () {
      const db = yield* Postgres
      const rejected: Array<Envelope> = []
      const events: Array<Event> = []
      for (const record of batch)
        Either.match(read(record), {
          onLeft: (reason) => rejected.push(deadLetter("notify", reason, record)),
          onRight: (event) => events.push(event)
        })
      if (events.length === 0) return rejected
      const mail = yield* emailAvailable
      yield* db.transaction((tx) =>
        Effect.gen(function* () {
          const channels = yield* channelsOf(tx, events.map(seekerOf), mail)
          const jobRows = yield* tx.rows(JobRow, "SELECT job_id, title, company FROM jobs WHERE job_id = ANY($1::text[])", [
            [...new Set(events.map(jobOf))]
          ])
          const jobs = new Map(jobRows.map((j) => [j.job_id, j]))
          const drafts = events.flatMap((event) => {
            const seeker = channels.get(seekerOf(event))
            const draft = seeker === undefined ? null : draftOf(event, seeker, jobs)
            return draft === null ? [] : [draft]
          })
          yield* recordNotifications(tx, drafts, channels)
        })
      )
      return rejected
    })
}
