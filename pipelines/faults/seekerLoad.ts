import { randomUUID } from "node:crypto"
import { Schema } from "effect"
import { ApplicationStatus } from "../../schemas/Application.js"
import { SeekerCreated } from "../../schemas/Seeker.js"
import type { ApiLog } from "./apiLog.js"

export interface SeekerSession {
  readonly seekerId: string
  readonly apiKey: string
}

/** The way forward through the funnel; each step is an allowed move from the one before. */
const funnel: ReadonlyArray<ApplicationStatus> = ["saved", "applied", "screening", "interview", "offer", "accepted"]

const resumeText = (n: number) =>
  `Data engineer, ${4 + (n % 6)} years. Kafka, PostgreSQL, ClickHouse, TypeScript, Python, Airflow, dbt. ` +
  `Built streaming pipelines and data platforms in Berlin. Revision ${n}.`

/** What the suite reads of a created or moved application (ApplicationCreated and ApplicationMoved share it). */
const decodeStep = Schema.decodeUnknownSync(
  Schema.Struct({ application: Schema.Struct({ applicationId: Schema.String, sequence: Schema.Number, status: ApplicationStatus }) })
)

const decodeMatches = Schema.decodeUnknownSync(Schema.Struct({ items: Schema.Array(Schema.Struct({ jobId: Schema.String })) }))

const auth = (s: SeekerSession) => ({ authorization: `Bearer ${s.apiKey}` })
const json = { "content-type": "application/json" }

/** Seekers with a resume and preferences, made through the API as users make them. */
export const registerSeekers = async (log: ApiLog, url: string, count: number): Promise<Array<SeekerSession>> => {
  const seekers: Array<SeekerSession> = []
  for (let i = 0; i < count; i++) {
    const created = await log.call(url, "POST /seekers", "/seekers", {
      method: "POST",
      headers: json,
      body: JSON.stringify({ name: `Fault Suite Seeker ${i}` })
    })
    if (created.status !== 201) throw new Error(`POST /seekers answered ${created.status}: ${JSON.stringify(created.body)}`)
    const seeker: SeekerSession = Schema.decodeUnknownSync(SeekerCreated)(created.body)
    const resume = await log.call(url, "POST /seekers/:id/resumes", "/seekers/me/resumes", {
      method: "POST",
      headers: { ...auth(seeker), "content-type": "text/plain" },
      body: resumeText(i)
    })
    if (resume.status !== 201) throw new Error(`POST /seekers/me/resumes answered ${resume.status}: ${JSON.stringify(resume.body)}`)
    seekers.push(seeker)
  }
  return seekers
}

interface Tracked {
  readonly seeker: SeekerSession
  readonly jobId: string
  applicationId: string | undefined
  /** Index in `funnel` of the status the API last confirmed; -1 before the creation is confirmed. */
  at: number
  /** The move being made: retried with the same request id until the API answers it. */
  requestId: string
  /** Refused for a reason a retry cannot fix: left alone from then on. */
  dropped?: boolean
}

/**
 * Seeker events and application moves through the API at a steady pace: every `periodMs` one application step
 * (create, or the next move along the funnel), every third period a preferences change, a new resume or a thumbs
 * on a match. A step
 * the API refuses with 503 or does not answer is retried with the same request id, as a careful client does, so
 * each confirmed transition is one the client knows about. `confirmed` lists them: (application, sequence).
 */
export class SeekerLoad {
  readonly confirmed: Array<{ readonly applicationId: string; readonly sequence: number }> = []
  /** Answers a correct client should never get (a 409 or 422 to a step it was allowed to make). */
  readonly refused: Array<string> = []
  private readonly applications: Array<Tracked> = []
  /** Steps sent and not yet answered by anything but a 503 or silence. */
  private readonly unanswered = new Set<Tracked>()
  private ticks = 0
  private timer: NodeJS.Timeout | undefined
  private busy: Promise<void> = Promise.resolve()

  constructor(
    private readonly log: ApiLog,
    private readonly url: string,
    private readonly seekers: ReadonlyArray<SeekerSession>,
    private readonly jobs: ReadonlyArray<string>,
    private readonly periodMs = 1000
  ) {}

  start() {
    this.timer = setInterval(() => {
      // One step at a time: a slow answer delays the next step rather than piling requests up.
      this.busy = this.busy.then(() => this.tick())
    }, this.periodMs)
  }

  /** Stops new steps and retries the one under way until answered (at most `timeoutMs`). */
  async stop(timeoutMs = 60_000) {
    clearInterval(this.timer)
    await this.busy
    const deadline = Date.now() + timeoutMs
    while (this.unanswered.size > 0 && Date.now() < deadline) {
      for (const a of [...this.unanswered]) await this.step(a)
      await new Promise((r) => setTimeout(r, 500))
    }
  }

  private async tick() {
    this.ticks++
    const seeker = this.seekers[this.ticks % this.seekers.length]!
    if (this.ticks % 3 === 0) await this.changeSeeker(seeker)
    const retry = [...this.unanswered][0]
    const open = this.applications.filter((a) => a.at >= 0 && a.at < funnel.length - 1 && !a.dropped)
    const next = retry ?? (open.length >= 3 ? open[this.ticks % open.length] : this.newApplication(seeker))
    if (next) await this.step(next)
  }

  private newApplication(seeker: SeekerSession): Tracked | undefined {
    const used = new Set(this.applications.filter((a) => a.seeker === seeker).map((a) => a.jobId))
    const jobId = this.jobs.find((j) => !used.has(j))
    if (jobId === undefined) return undefined
    const tracked: Tracked = { seeker, jobId, applicationId: undefined, at: -1, requestId: randomUUID() }
    this.applications.push(tracked)
    return tracked
  }

  private async step(a: Tracked) {
    this.unanswered.add(a)
    const answer =
      a.applicationId === undefined
        ? await this.log.call(this.url, "POST /seekers/:id/applications", "/seekers/me/applications", {
            method: "POST",
            headers: { ...auth(a.seeker), ...json },
            body: JSON.stringify({ jobId: a.jobId, status: funnel[0] })
          })
        : await this.log.call(this.url, "POST /seekers/:id/applications/:id/moves", `/seekers/me/applications/${a.applicationId}/moves`, {
            method: "POST",
            headers: { ...auth(a.seeker), ...json },
            body: JSON.stringify({ to: funnel[a.at + 1], requestId: a.requestId })
          })
    if (answer.status === 0 || answer.status >= 500) return
    this.unanswered.delete(a)
    if (answer.status !== 200 && answer.status !== 201) {
      this.refused.push(`${answer.status} ${JSON.stringify(answer.body)}`)
      a.dropped = true
      return
    }
    const { application } = decodeStep(answer.body)
    a.applicationId = application.applicationId
    // From the answer, not assumed: creating an application the seeker already has returns it where it stands.
    a.at = funnel.indexOf(application.status)
    a.requestId = randomUUID()
    this.confirmed.push({ applicationId: application.applicationId, sequence: application.sequence })
  }

  /** In turn: new preferences, a new resume, a thumbs up or down on the seeker's best match (it trains their model). */
  private async changeSeeker(seeker: SeekerSession) {
    const n = this.ticks
    const turn = (n / 3) % 3
    if (turn === 2) await this.thumbs(seeker, n % 2 === 0 ? "up" : "down")
    else if (turn === 0)
      await this.log.call(this.url, "PUT /seekers/:id/preferences", "/seekers/me/preferences", {
        method: "PUT",
        headers: { ...auth(seeker), ...json },
        body: JSON.stringify({
          targetTitles: ["Data Engineer", n % 4 === 0 ? "Platform Engineer" : "Analytics Engineer"],
          locations: ["Berlin, Germany"],
          remote: "remote_ok"
        })
      })
    else
      await this.log.call(this.url, "POST /seekers/:id/resumes", "/seekers/me/resumes?primary=true", {
        method: "POST",
        headers: { ...auth(seeker), "content-type": "text/plain" },
        body: resumeText(n)
      })
  }

  private async thumbs(seeker: SeekerSession, verdict: "up" | "down") {
    const best = await this.log.call(this.url, "/seekers/:id/matches", "/seekers/me/matches?limit=1", { headers: auth(seeker) })
    if (best.status !== 200) return
    const [match] = decodeMatches(best.body).items
    if (match === undefined) return
    await this.log.call(this.url, "PUT /seekers/:id/matches/:id/feedback", `/seekers/me/matches/${match.jobId}/feedback`, {
      method: "PUT",
      headers: { ...auth(seeker), ...json },
      body: JSON.stringify({ verdict })
    })
  }
}
