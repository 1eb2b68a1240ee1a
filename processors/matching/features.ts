import type { Job } from "../../schemas/Job.js"
import type { Preferences, SeniorityLevel, Thresholds } from "../../schemas/Seeker.js"
import { type JobTerms, type LexicalIndex, tokenize } from "./lexical.js"
import { type SeniorityEstimate, seniorityOf, seniorityOfResume, yearsOfExperience } from "./seniority.js"
import { mustHaveSkills } from "./skillRequirements.js"
import { extractSkills } from "./skills.js"

/** The scorer's inputs: what it needs of a job and of a seeker, derived once from their texts. */

/** What the scorer needs of a job; `jobFeatures` derives it from a `Job`. */
export interface JobFeatures {
  readonly jobId: string
  /** The posting's embedding (unit length, same model as the resumes'). */
  readonly vector: Float32Array
  readonly title: string
  /** Canonical skill ids of the posting (`extractSkills` of title and description). */
  readonly skills: ReadonlySet<string>
  /** The ones it marks as required. */
  readonly mustHave: ReadonlySet<string>
  /** The ones it marks as nice to have. */
  readonly niceToHave: ReadonlySet<string>
  readonly locations: ReadonlyArray<string>
  readonly remote: boolean
  readonly salary: Job["salary"]
  readonly seniority: SeniorityEstimate
  /** Its BM25 terms among the jobs seen (`LexicalIndex.termWeights`); `null` leaves the lexical term out. */
  readonly lexical: JobTerms | null
}

export type JobInput = Pick<Job, "jobId" | "title" | "description" | "locations" | "remote" | "salary">

/** The text to embed and index for a job: title and description. */
export const jobText = (job: Pick<Job, "title" | "description">): string => `${job.title}\n\n${job.description}`.trim()

/**
 * The features of a job. With `index`, the job's BM25 terms come from it; a job not yet in the index is added
 * (so that a job is never scored against an index that does not know it). The terms are a snapshot of the index
 * at this moment: take features right before scoring.
 */
export const jobFeatures = (job: JobInput, vector: Float32Array, index?: LexicalIndex): JobFeatures => {
  if (index !== undefined && !index.has(job.jobId)) index.add(job.jobId, jobText(job))
  return {
    jobId: job.jobId,
    vector,
    ...textFeatures(job),
    locations: job.locations,
    remote: job.remote,
    salary: job.salary,
    lexical: index === undefined ? null : index.termWeights(job.jobId)
  }
}

/** What a job's text alone says: its skills, the required and preferred ones, and its seniority. */
export const textFeatures = (job: Pick<Job, "title" | "description">): Pick<JobFeatures, "title" | "skills" | "mustHave" | "niceToHave" | "seniority"> => {
  const requirements = mustHaveSkills(job.description)
  return {
    title: job.title,
    skills: extractSkills(jobText(job)),
    mustHave: requirements.required,
    niceToHave: requirements.preferred,
    seniority: seniorityOf(job.title, job.description)
  }
}

export interface SeekerProfile {
  readonly seekerId: string
  /** The resume's embedding (unit length). */
  readonly vector: Float32Array
  /** Canonical skill ids of the resume. */
  readonly skills: ReadonlySet<string>
  /** The resume's tokens (`tokenize`), the query of the lexical term. */
  readonly terms: ReadonlyArray<string>
  /** The resume's own seniority: the seniority fit uses it when the preferences name no level. */
  readonly resumeSeniority: SeniorityLevel | null
  /** Years of experience the resume states, if it does. */
  readonly yearsExperience: number | null
  readonly preferences: Preferences
  /** Overrides `preferences.thresholds`; both absent: `DEFAULT_THRESHOLDS`. */
  readonly thresholds?: Thresholds
}

/** A profile from a resume's text and embedding, and the seeker's preferences. */
export const seekerProfile = (input: {
  readonly seekerId: string
  readonly resumeText: string
  readonly vector: Float32Array
  readonly preferences?: Preferences
  readonly thresholds?: Thresholds
}): SeekerProfile => ({
  seekerId: input.seekerId,
  vector: input.vector,
  skills: extractSkills(input.resumeText),
  terms: tokenize(input.resumeText),
  resumeSeniority: seniorityOfResume(input.resumeText).level,
  yearsExperience: yearsOfExperience(input.resumeText),
  preferences: input.preferences ?? {},
  ...(input.thresholds === undefined ? {} : { thresholds: input.thresholds })
})
