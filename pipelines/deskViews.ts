import { Effect, Schema } from "effect"
import type { Contact } from "../schemas/Contact.js"
import { extractContacts } from "../processors/contacts.js"
import { Postgres } from "../stack/Postgres.js"

/** What a reviewer sees of a task: the job (and for a dedup pair, the other posting), the seeker's resume, the score. */
export interface TaskView {
  readonly taskId: string
  readonly kind: "match" | "dedup"
  readonly score: number
  readonly deadline: string | null
  readonly warned: boolean
  readonly job: PostingView
  readonly candidate: PostingView | null
  readonly seeker: { readonly seekerId: string; readonly name: string; readonly resumeId: string; readonly resumeExcerpt: string } | null
  readonly explanation: unknown
}

export interface PostingView {
  readonly jobId: string
  readonly title: string
  readonly company: string
  readonly source: string
  readonly url: string
  readonly locations: ReadonlyArray<string>
  readonly excerpt: string
  /** Who or where to write to about the job, as its whole description states (not only the excerpt). */
  readonly contacts: ReadonlyArray<Contact>
}

/** Enough of a resume or a description to decide on; the whole is one click away (the URL, the resume path). */
const excerptChars = 1200

const PostingRow = Schema.Struct({
  job_id: Schema.String,
  title: Schema.String,
  company: Schema.String,
  source: Schema.String,
  url: Schema.String,
  locations: Schema.Array(Schema.String),
  excerpt: Schema.String,
  description: Schema.String,
  source_type: Schema.String
})

const ViewRow = Schema.Struct({
  task_id: Schema.String,
  kind: Schema.Literal("match", "dedup"),
  score: Schema.Number,
  deadline: Schema.NullOr(Schema.DateFromSelf),
  warned: Schema.Boolean,
  job: Schema.NullOr(PostingRow),
  candidate: Schema.NullOr(PostingRow),
  seeker_id: Schema.NullOr(Schema.String),
  seeker_name: Schema.NullOr(Schema.String),
  resume_id: Schema.NullOr(Schema.String),
  resume_excerpt: Schema.NullOr(Schema.String),
  explanation: Schema.Unknown
})

const posting = (p: typeof PostingRow.Type): PostingView => ({
  jobId: p.job_id,
  title: p.title,
  company: p.company,
  source: p.source,
  url: p.url,
  locations: p.locations,
  excerpt: p.excerpt,
  contacts: extractContacts({ description: p.description, sourceType: p.source_type, company: p.company })
})

const postingJson = (alias: string) =>
  `(SELECT jsonb_build_object('job_id', ${alias}.job_id, 'title', ${alias}.title, 'company', ${alias}.company, 'source', ${alias}.source,
     'url', ${alias}.url, 'locations', to_jsonb(${alias}.locations), 'excerpt', left(${alias}.description, ${excerptChars}),
     'description', ${alias}.description, 'source_type', ${alias}.source_type))`

/** The views of `taskIds`, in no particular order; an id that names no task is left out. */
export const taskViews = (taskIds: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    if (taskIds.length === 0) return []
    const db = yield* Postgres
    const rows = yield* db.rows(
      ViewRow,
      `SELECT t.task_id, t.kind, t.score, t.deadline, t.warned_at IS NOT NULL AS warned,
              ${postingJson("j")} AS job, CASE WHEN c.job_id IS NULL THEN NULL ELSE ${postingJson("c")} END AS candidate,
              s.seeker_id, s.name AS seeker_name, r.resume_id, left(r.body, ${excerptChars}) AS resume_excerpt,
              m.explanation
       FROM review_tasks t
       LEFT JOIN jobs j ON j.job_id = t.job_id
       LEFT JOIN jobs c ON c.job_id = t.candidate_id
       LEFT JOIN matches m ON m.seeker_id = t.seeker_id AND m.job_id = t.job_id
       LEFT JOIN seekers s ON s.seeker_id = t.seeker_id
       LEFT JOIN resumes r ON r.resume_id = m.resume_id
       WHERE t.task_id = ANY ($1)`,
      [taskIds]
    )
    return rows.flatMap((r): Array<TaskView> =>
      r.job === null
        ? []
        : [
            {
              taskId: r.task_id,
              kind: r.kind,
              score: r.score,
              deadline: r.deadline?.toISOString() ?? null,
              warned: r.warned,
              job: posting(r.job),
              candidate: r.candidate === null ? null : posting(r.candidate),
              seeker:
                r.seeker_id === null
                  ? null
                  : { seekerId: r.seeker_id, name: r.seeker_name ?? "", resumeId: r.resume_id ?? "", resumeExcerpt: r.resume_excerpt ?? "" },
              explanation: r.explanation ?? null
            }
          ]
    )
  })
