import { readFileSync } from "node:fs"
import { brotliDecompressSync } from "node:zlib"
import { Schema } from "effect"

/**
 * The real postings in `sampleData/` (its README says where they come from), read and typed for tests,
 * evaluations and benchmarks. They are kept in the repository, so every clone (CI included) runs on them; they
 * are stored brotli-compressed (0.58 MB instead of 4.5 MB, gzip would be 1.37 MB) and decompress to byte-exact
 * copies of the upstream files, which sampleData.test.ts checks.
 */

export const GLASSDOOR = new URL("./sampleData/glassdoor_jobs.csv.br", import.meta.url)
export const SIMPLIFY = new URL("./sampleData/simplify_listings.json.br", import.meta.url)

/** One of the files above, decompressed: the upstream file's bytes. */
export const sampleFile = (file: URL): Buffer => brotliDecompressSync(readFileSync(file))

export interface GlassdoorRow {
  readonly row: number
  readonly title: string
  readonly salary: string
  readonly description: string
  readonly company: string
  readonly location: string
  readonly industry: string
}

/** The 956 Glassdoor rows, fields as in the file (the company still carries its rating line). */
export const glassdoorRows = (): Array<GlassdoorRow> => {
  const [header, ...rows] = parseCsv(sampleFile(GLASSDOOR).toString("utf8"))
  const column = (name: string) => {
    const i = header!.indexOf(name)
    if (i < 0) throw new Error(`${GLASSDOOR.pathname} has no column "${name}"`)
    return i
  }
  const [title, salary, description, company, location, industry] = [
    "Job Title", "Salary Estimate", "Job Description", "Company Name", "Location", "Industry"
  ].map(column) as [number, number, number, number, number, number]
  return rows.map((r, row) => ({
    row,
    title: r[title]!,
    salary: r[salary]!,
    description: r[description]!,
    company: r[company]!,
    location: r[location]!,
    industry: r[industry]!
  }))
}

const SimplifyListing = Schema.Struct({
  id: Schema.String,
  source: Schema.String,
  company_name: Schema.String,
  title: Schema.String,
  url: Schema.String,
  locations: Schema.Array(Schema.String),
  date_posted: Schema.Number
})
export type SimplifyListing = typeof SimplifyListing.Type

/** The 1288 SimplifyJobs listings (no descriptions). */
export const simplifyListings = (): ReadonlyArray<SimplifyListing> =>
  Schema.decodeUnknownSync(Schema.parseJson(Schema.Array(SimplifyListing)))(sampleFile(SIMPLIFY).toString("utf8"))

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
const parseCsv = (text: string): Array<Array<string>> => {
  const rows: Array<Array<string>> = []
  let row: Array<string> = []
  let field = ""
  let quoted = false
  const endField = () => {
    row.push(field)
    field = ""
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c !== '"') field += c
      else if (text[i + 1] === '"') field += text[++i]
      else quoted = false
    } else if (c === '"') quoted = true
    else if (c === ",") endField()
    else if (c === "\n") {
      endField()
      rows.push(row)
      row = []
    } else if (c !== "\r") field += c
  }
  if (field !== "" || row.length > 0) {
    endField()
    rows.push(row)
  }
  return rows
}
