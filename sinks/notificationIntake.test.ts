import { describe, expect, it } from "vitest"
import type { ApplicationEvent } from "../schemas/Application.js"
import type { ApprovedApplication } from "../schemas/Review.js"
import type { Match } from "../schemas/Seeker.js"
import { draftOf } from "./notificationIntake.js"
import type { SeekerChannels } from "./notifications.js"

const seeker: SeekerChannels = { seekerId: "s1", matchThreshold: 70, webhook: true, email: false, quietFrom: null, quietTo: null, digestAt: null, timeZone: "UTC" }
const jobs = new Map([["j1", { title: "Data Engineer", company: "Acme" }]])

const match = (score: number, decision: Match["decision"] = "auto_approve"): Match => ({
  jobId: "j1",
  seekerId: "s1",
  source: "acme",
  score,
  decision,
  components: {},
  explanation: { matchedSkills: ["sql", "python", "spark", "airflow", "dbt", "kafka"], missingMustHaves: [], missingSkills: [], constraints: [] },
  resumeId: "r1",
  model: "m",
  scoredAt: "2026-12-01T10:00:00.000Z"
})

const move = (from: ApplicationEvent["from"], to: ApplicationEvent["to"]): ApplicationEvent => ({
  eventId: `e-${from}-${to}`,
  applicationId: "a1",
  seekerId: "s1",
  jobId: "j1",
  source: "acme",
  sequence: 2,
  from,
  to,
  at: "2026-12-01T10:00:00.000Z"
})

describe("what the seeker is told", () => {
  it("a match at or above their threshold, once per job, naming it and what matched", () => {
    expect(draftOf({ topic: "match", match: match(69) }, seeker, jobs)).toBeNull()
    const draft = draftOf({ topic: "match", match: match(70) }, seeker, jobs)!
    expect(draft).toMatchObject({ kind: "match", seekerId: "s1", jobId: "j1", title: "New match (70): Data Engineer at Acme" })
    expect(draft.body).toBe("Data Engineer at Acme scores 70 for you, on sql, python, spark, airflow, dbt.")
    // A rescoring (another score, another time) is the same notification.
    const again = draftOf({ topic: "match", match: { ...match(95), scoredAt: "2026-12-02T10:00:00.000Z" } }, seeker, jobs)!
    expect(again.notificationId).toBe(draft.notificationId)
    expect(draftOf({ topic: "match", match: match(70) }, { ...seeker, matchThreshold: 90 }, jobs)).toBeNull()
  })

  it("no match the constraints rejected, whatever its score", () => {
    expect(draftOf({ topic: "match", match: match(99, "reject") }, seeker, jobs)).toBeNull()
  })

  it("says so when the job is not (yet) in the database", () => {
    expect(draftOf({ topic: "match", match: { ...match(80), jobId: "j9" } }, seeker, jobs)!.title).toBe("New match (80): a job")
  })

  it("every move of an application but its creation", () => {
    expect(draftOf({ topic: "move", event: move(null, "applied") }, seeker, jobs)).toBeNull()
    const moved = draftOf({ topic: "move", event: move("applied", "no_response") }, seeker, jobs)!
    expect(moved).toMatchObject({ kind: "application_status", applicationId: "a1", data: { from: "applied", to: "no_response" } })
    expect(moved.body).toBe("Your application for Data Engineer at Acme moved from applied to no response.")
    expect(draftOf({ topic: "move", event: move("applied", "interview") }, seeker, jobs)!.notificationId).not.toBe(moved.notificationId)
  })

  it("an approval by a reviewer, not one the seeker or the thresholds made", () => {
    const approved = (by: "auto" | "reviewer" | "seeker") =>
      ({
        eventId: `ap-${by}`,
        approvedAt: "2026-12-01T10:00:00.000Z",
        approval: { by, reviewerId: by === "reviewer" ? "st_1" : null, taskId: null },
        seeker: { seekerId: "s1", contactPath: "/desk/seekers/s1/contact" },
        job: { jobId: "j1", title: "Data Engineer", company: "Acme", source: "acme", url: "https://acme.example/j1", applyUrl: "https://acme.example/j1" },
        resume: { resumeId: "r1", fetchPath: "/desk/resumes/r1" },
        score: 81,
        explanation: match(81).explanation
      }) as unknown as ApprovedApplication
    expect(draftOf({ topic: "approved", approved: approved("auto") }, seeker, jobs)).toBeNull()
    expect(draftOf({ topic: "approved", approved: approved("seeker") }, seeker, jobs)).toBeNull()
    expect(draftOf({ topic: "approved", approved: approved("reviewer") }, seeker, jobs)).toMatchObject({
      kind: "approved",
      title: "A reviewer approved Data Engineer at Acme"
    })
  })
})
