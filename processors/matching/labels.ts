import { readFileSync } from "node:fs"
import { Schema } from "effect"
import { Preferences } from "../../schemas/Seeker.js"

// The labelled set the matching is evaluated on: resumes, real postings, and a grade for each pair (README.md).

export const LabelSet = Schema.Struct({
  version: Schema.Literal(1),
  scale: Schema.Record({ key: Schema.String, value: Schema.String }),
  resumes: Schema.Array(Schema.Struct({ id: Schema.String, text: Schema.String, preferences: Preferences })),
  postings: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      source: Schema.String,
      title: Schema.String,
      company: Schema.String,
      locations: Schema.Array(Schema.String),
      remote: Schema.Boolean,
      salaryText: Schema.NullOr(Schema.String),
      description: Schema.String
    })
  ),
  /** resume id -> posting id -> grade */
  grades: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: Schema.Literal(0, 1, 2, 3) }) })
})
export type LabelSet = typeof LabelSet.Type

export const labelsPath = new URL("./labels.json", import.meta.url)

export const loadLabels = (path: URL = labelsPath): LabelSet =>
  Schema.decodeUnknownSync(Schema.parseJson(LabelSet))(readFileSync(path, "utf8"))
