import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { JSONSchema, type Schema } from "effect"
import { Health, JobCluster, JobsPage, JobsQuery } from "./Api.js"
import { ApplicationEvent } from "./Application.js"
import { Topics } from "./Envelope.js"
import { Duplicate, Job } from "./Job.js"
import { PostingLifecycle } from "./Lifecycle.js"
import { RawPosting } from "./RawPosting.js"
import { ApprovedApplication, ReviewEvent } from "./Review.js"
import { Match, NewSeeker, Preferences, SeekerCreated, SeekerEvent } from "./Seeker.js"

/** Every exported schema, by file name. Topic payloads carry their schema name and version in the title. */
export const exported: Record<string, { readonly schema: Schema.Schema.Any; readonly topics: ReadonlyArray<string> }> = {
  "RawPosting.v1": { schema: RawPosting, topics: [Topics.raw.name] },
  "PostingLifecycle.v1": { schema: PostingLifecycle, topics: [Topics.lifecycle.name] },
  "Job.v1": { schema: Job, topics: [Topics.normalized.name, Topics.unique.name] },
  "Duplicate.v2": { schema: Duplicate, topics: [Topics.duplicates.name] },
  "SeekerEvent.v2": { schema: SeekerEvent, topics: [Topics.seekerEvents.name] },
  "Match.v1": { schema: Match, topics: [Topics.scored.name] },
  "ApplicationEvent.v1": { schema: ApplicationEvent, topics: [Topics.applicationEvents.name] },
  "ReviewEvent.v1": { schema: ReviewEvent, topics: [Topics.reviewEvents.name] },
  "ApprovedApplication.v3": { schema: ApprovedApplication, topics: [Topics.approved.name] },
  "NewSeeker.v1": { schema: NewSeeker, topics: [] },
  "SeekerCreated.v1": { schema: SeekerCreated, topics: [] },
  "Preferences.v1": { schema: Preferences, topics: [] },
  "JobsQuery.v1": { schema: JobsQuery, topics: [] },
  "JobsPage.v1": { schema: JobsPage, topics: [] },
  "JobCluster.v1": { schema: JobCluster, topics: [] },
  "Health.v1": { schema: Health, topics: [] }
}

export const outDir = join(import.meta.dirname, "json")

export const render = (name: string): string => {
  const { schema, topics } = exported[name]!
  const json = {
    $id: `urn:jobstream:schema:${name}`,
    ...JSONSchema.make(schema),
    ...(topics.length > 0 ? { "x-kafka-topics": topics } : {})
  }
  return `${JSON.stringify(json, null, 2)}\n`
}

const main = async () => {
  await mkdir(outDir, { recursive: true })
  for (const name of Object.keys(exported)) {
    await writeFile(join(outDir, `${name}.schema.json`), render(name))
    console.log(`wrote schemas/json/${name}.schema.json`)
  }
}

if (process.argv[1] === import.meta.filename) await main()
