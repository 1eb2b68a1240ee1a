import { Schema } from "effect"
import type { TopicDef } from "./Envelope.js"
import { CalendarDate, Text, Timestamp } from "./common.js"

/**
 * Where an application stands. The pipeline stages run saved -> applied -> screening -> interview -> offer ->
 * accepted; rejected, withdrawn and no_response leave it early. Terminal statuses are final.
 */
export const ApplicationStatus = Schema.Literal(
  "saved",
  "applied",
  "screening",
  "interview",
  "offer",
  "accepted",
  "rejected",
  "withdrawn",
  "no_response"
).annotations({ identifier: "ApplicationStatus" })
export type ApplicationStatus = typeof ApplicationStatus.Type

/**
 * The allowed moves, from each status. Forward skips within the pipeline are allowed (a seeker often learns of
 * an interview without a screening call, or logs steps late); moving back is not, nor moving to where it is.
 * `accepted` needs an offer. `rejected` and `no_response` need the employer to know of the application (applied
 * or later); `withdrawn` is the seeker's own exit and open from every open status. An offer can be rejected
 * (rescinded) or withdrawn (declined) but not go unanswered.
 */
export const transitions: { readonly [S in ApplicationStatus]: ReadonlyArray<ApplicationStatus> } = {
  saved: ["applied", "screening", "interview", "offer", "withdrawn"],
  applied: ["screening", "interview", "offer", "rejected", "withdrawn", "no_response"],
  screening: ["interview", "offer", "rejected", "withdrawn", "no_response"],
  interview: ["offer", "rejected", "withdrawn", "no_response"],
  offer: ["accepted", "rejected", "withdrawn"],
  accepted: [],
  rejected: [],
  withdrawn: [],
  no_response: []
}

export const isTerminal = (status: ApplicationStatus) => transitions[status].length === 0

export const canMove = (from: ApplicationStatus, to: ApplicationStatus) => transitions[from].includes(to)

/**
 * The statuses in which the seeker waits on the employer: only these can stall and call for a follow-up. A
 * saved job waits on the seeker, and a terminal status waits on nobody.
 */
export const awaitingEmployer: ReadonlyArray<ApplicationStatus> = ["applied", "screening", "interview", "offer"]

/** A status the seeker may create an application in. */
export const InitialStatus = Schema.Literal("saved", "applied")

const Note = Text.pipe(Schema.maxLength(2000))

/** `POST /seekers/:seekerId/applications`. Creating the same (seeker, job) again returns the existing one. */
export const NewApplication = Schema.Struct({
  jobId: Schema.String.pipe(Schema.pattern(/^[0-9a-f]{32}$/)),
  status: Schema.optional(InitialStatus),
  note: Schema.optional(Note)
}).annotations({ identifier: "NewApplication" })
export type NewApplication = typeof NewApplication.Type

/** `POST /seekers/:seekerId/applications/:applicationId/moves`. */
export const ApplicationMove = Schema.Struct({
  to: ApplicationStatus,
  note: Schema.optional(Note),
  /** Refuse the move (409) unless the application is still at this status: the If-Match of a kanban drag. */
  expectedStatus: Schema.optional(ApplicationStatus),
  /** A retry carrying the same id returns the move already made instead of moving again or failing. */
  requestId: Schema.optional(Text.pipe(Schema.minLength(1), Schema.maxLength(100)))
}).annotations({ identifier: "ApplicationMove" })
export type ApplicationMove = typeof ApplicationMove.Type

/** An application as the API shows it, with its job and whether it stalled (as of the request). */
export const ApplicationView = Schema.Struct({
  applicationId: Schema.String,
  jobId: Schema.String,
  title: Schema.String,
  company: Schema.String,
  url: Schema.String,
  source: Schema.String,
  status: ApplicationStatus,
  /** How many transitions the application has had, its creation included. */
  sequence: Schema.Number,
  createdAt: Timestamp,
  statusChangedAt: Timestamp,
  daysSinceChange: Schema.Number,
  stalled: Schema.Boolean,
  allowedNext: Schema.Array(ApplicationStatus)
}).annotations({ identifier: "ApplicationView" })
export type ApplicationView = typeof ApplicationView.Type

export const ApplicationCreated = Schema.Struct({
  application: ApplicationView,
  /** false when the seeker already had an application for this job: that one is returned, unchanged. */
  created: Schema.Boolean
}).annotations({ identifier: "ApplicationCreated" })

export const ApplicationMoved = Schema.Struct({
  application: ApplicationView,
  /** true when `requestId` named a move already made: nothing changed this time. */
  replayed: Schema.Boolean
}).annotations({ identifier: "ApplicationMoved" })

export const ApplicationsQuery = Schema.Struct({
  status: Schema.optional(ApplicationStatus),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 500))),
  offset: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(0, 100_000)))
}).annotations({ identifier: "ApplicationsQuery" })

export const ApplicationsPage = Schema.Struct({
  items: Schema.Array(ApplicationView),
  nextOffset: Schema.NullOr(Schema.Number)
}).annotations({ identifier: "ApplicationsPage" })

/** One transition, as kept in `application_history`. The creation is sequence 1, from null. */
export const HistoryEntry = Schema.Struct({
  sequence: Schema.Number,
  from: Schema.NullOr(ApplicationStatus),
  to: ApplicationStatus,
  at: Timestamp,
  note: Schema.NullOr(Schema.String)
}).annotations({ identifier: "ApplicationHistoryEntry" })
export type HistoryEntry = typeof HistoryEntry.Type

export const ApplicationHistory = Schema.Struct({
  applicationId: Schema.String,
  items: Schema.Array(HistoryEntry)
}).annotations({ identifier: "ApplicationHistory" })

/**
 * On `applications.events`, keyed by application id: one per transition, the creation included (from null).
 * `eventId` is derived from the application id and the sequence number, so a re-send carries the same id.
 * Notes stay out: they are the seeker's free text, not analytics.
 */
export const ApplicationEvent = Schema.Struct({
  eventId: Schema.String,
  applicationId: Schema.String,
  seekerId: Schema.String,
  jobId: Schema.String,
  /** The job's source (connector), for funnels by source. */
  source: Schema.String,
  sequence: Schema.Number.pipe(Schema.int(), Schema.positive()),
  from: Schema.NullOr(ApplicationStatus),
  to: ApplicationStatus,
  at: Timestamp
}).annotations({ identifier: "ApplicationEvent", description: "A job application created or moved to a new status" })
export type ApplicationEvent = typeof ApplicationEvent.Type

/**
 * The `applications.events` topic. Defined here rather than in Envelope.ts so the schema and its topic stay in
 * one place; `Topics.applicationEvents` refers to it. (Only a type comes from Envelope.ts: no import cycle.)
 */
export const ApplicationEventsTopic: TopicDef<ApplicationEvent, typeof ApplicationEvent.Encoded> = {
  name: "applications.events",
  partitions: 3,
  schema: ApplicationEvent,
  schemaName: "jobstream.ApplicationEvent",
  schemaVersion: 1,
  // Per application, in order: one partition holds all of one application's transitions.
  key: (e) => e.applicationId,
  eventId: (e) => e.eventId
}

/** `PUT /seekers/:seekerId/followups/settings`: after how many days without a change an application stalls. */
export const FollowupSettings = Schema.Struct({
  stallDays: Schema.Number.pipe(Schema.int(), Schema.between(1, 365))
}).annotations({ identifier: "FollowupSettings" })
export type FollowupSettings = typeof FollowupSettings.Type

/** What a follow-up draft is written from: an application waiting on the employer for `stallDays` or more. */
export const StalledApplication = Schema.Struct({
  applicationId: Schema.String,
  jobId: Schema.String,
  title: Schema.String,
  company: Schema.String,
  url: Schema.String,
  status: ApplicationStatus,
  seekerName: Schema.String,
  /** The day it first reached `applied` or a later stage. */
  appliedOn: CalendarDate,
  lastChangeAt: Timestamp,
  daysSinceChange: Schema.Number
}).annotations({ identifier: "StalledApplication" })
export type StalledApplication = typeof StalledApplication.Type

export const FollowupDraft = Schema.Struct({
  subject: Schema.String,
  body: Schema.String,
  /** Who wrote the body: the built-in template, or the configured OpenAI-compatible endpoint. */
  writer: Schema.Literal("template", "llm"),
  /** Set when an endpoint is configured but failed, so the template was used instead: says why. */
  fallbackReason: Schema.NullOr(Schema.String)
}).annotations({ identifier: "FollowupDraft" })
export type FollowupDraft = typeof FollowupDraft.Type

export const Followup = Schema.Struct({
  ...StalledApplication.fields,
  draft: FollowupDraft
}).annotations({ identifier: "Followup" })
export type Followup = typeof Followup.Type

export const Followups = Schema.Struct({
  stallDays: Schema.Number,
  asOf: Timestamp,
  items: Schema.Array(Followup)
}).annotations({ identifier: "Followups" })
export type Followups = typeof Followups.Type
