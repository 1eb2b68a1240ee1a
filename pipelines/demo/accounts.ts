import { readFileSync } from "node:fs"
import { Effect, Schema } from "effect"
import type { Preferences } from "../../schemas/Seeker.js"
import { Postgres } from "../../stack/Postgres.js"
import { Seekers } from "../Seekers.js"
import { Staff, type StaffRole } from "../Staff.js"

/** The demo seeker: a fictional data scientist whose resume (resume.txt) suits the demo site's postings. */
const demoEmail = "jordan.avery@demo.jobstream.invalid"
const demoPreferences: Preferences = {
  targetTitles: ["Data Scientist", "Data Analyst", "Machine Learning Engineer"],
  locations: ["Chicago, IL"],
  remote: "remote_ok"
}

export interface DemoAccounts {
  readonly seekerId: string
  /** Null when the seeker was registered by an earlier run: only its hash is kept, so its key cannot be shown again. */
  readonly seekerKey: string | null
  readonly reviewerKey: string
  readonly opsKey: string
}

/**
 * What `npm start` registers so that a newcomer sees matches, review tasks and the desk: the demo seeker (once,
 * with the resume and preferences kept beside this file) and a demo reviewer and ops admin, whose keys are new on
 * every run (the old ones stop working) so that the summary can print them.
 */
export const demoAccounts = Effect.gen(function* () {
  const db = yield* Postgres
  const seekers = yield* Seekers
  const [existing] = yield* db.rows(
    Schema.Struct({ seeker_id: Schema.String }),
    "SELECT seeker_id FROM seekers WHERE email = $1 ORDER BY created_at LIMIT 1",
    [demoEmail]
  )
  let seeker: { seekerId: string; apiKey: string | null }
  if (existing) seeker = { seekerId: existing.seeker_id, apiKey: null }
  else {
    const created = yield* seekers.create({ name: "Jordan Avery (demo)", email: demoEmail })
    yield* seekers.setPreferences(created.seekerId, demoPreferences)
    yield* seekers.addResume(created.seekerId, {
      body: readFileSync(new URL("./resume.txt", import.meta.url), "utf8"),
      contentType: "text/plain",
      filename: "resume.txt",
      primary: true
    })
    seeker = created
  }
  return {
    seekerId: seeker.seekerId,
    seekerKey: seeker.apiKey,
    reviewerKey: yield* staffKey("Demo Reviewer", "reviewer"),
    opsKey: yield* staffKey("Demo Ops", "ops")
  } satisfies DemoAccounts
})

/** A fresh key for the named staff account, created if it does not exist yet. */
const staffKey = (name: string, role: StaffRole) =>
  Effect.gen(function* () {
    const db = yield* Postgres
    const staff = yield* Staff
    const [found] = yield* db.rows(
      Schema.Struct({ staff_id: Schema.String }),
      "SELECT staff_id FROM staff WHERE name = $1 AND role = $2 ORDER BY created_at LIMIT 1",
      [name, role]
    )
    if (found) return yield* staff.newKey(found.staff_id)
    return (yield* staff.create({ name, role })).apiKey
  })
