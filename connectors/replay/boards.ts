import { escapeHtml, fixture, glassdoorSalary, REFERENCE_DATE, textToHtml } from "../demo-site/catalog.js"

/**
 * Response bodies of six applicant-tracking-system job-board APIs, built from real postings (rows of
 * `../demo-site/postings.json`), in the shapes their public documentation gives. Used by the connectors' unit
 * tests and served as they are by the local replay server. Pure: no clock, no randomness; the same rows give the
 * same bodies, and a row's ids are derived from its `sourceRow`, so a list and its detail pages agree.
 *
 * What the rows do not carry is filled in deterministically from the row's position: dates count back one day a
 * row from REFERENCE_DATE, every sixth posting is remote, every fifth is part-time. Salaries come from the
 * Glassdoor estimate when the row has one.
 */

export type BoardRow = ReturnType<typeof fixture>[number]

export interface BoardOptions {
  /** The board id at the source: Greenhouse board token, Lever site, Ashby board, company id, account. */
  readonly board: string
}

/**
 * Greenhouse Job Board API, `GET /v1/boards/{board}/jobs?content=true`: `content` is entity-escaped HTML, and no
 * pay ranges (real boards give them only per job, `greenhouseJob`). As real boards do, every fourth job packs a
 * second place into `location.name` (with `|` or `;`) and lists an office for each; a remote job's office is the
 * generic "Remote", without a location.
 */
export const greenhouseJobs = (rows: ReadonlyArray<BoardRow>, opts: BoardOptions) => ({
  jobs: rows.map((_, i) => greenhouseListedJob(rows, i, opts)),
  meta: { total: rows.length }
})

/**
 * Greenhouse Job Board API, `GET /v1/boards/{board}/jobs/{id}` for `rows[index]`: the job as the list gives it,
 * and with `pay_transparency=true` its `pay_input_ranges` (one per pay zone; none when the row has no salary).
 */
export const greenhouseJob = (rows: ReadonlyArray<BoardRow>, index: number, opts: BoardOptions & { readonly payTransparency: boolean }) => {
  const row = rows[index]!
  const salary = glassdoorSalary(row.salaryText)
  const ranges =
    salary === null
      ? []
      : [
          {
            min_cents: salary.minValue * 100,
            max_cents: salary.maxValue * 100,
            currency_type: "USD",
            title: salary.unitText === "HOUR" ? "Hourly rate" : "Base salary",
            blurb: `<p>Glassdoor estimate: ${escapeHtml(row.salaryText ?? "")}</p>`
          }
        ]
  return { ...greenhouseListedJob(rows, index, opts), ...(opts.payTransparency ? { pay_input_ranges: ranges } : {}) }
}

/** The id Greenhouse gives the row's job: what a single-job request names. */
export const greenhouseId = (row: BoardRow): number => 4_000_000 + row.sourceRow

const greenhouseListedJob = (rows: ReadonlyArray<BoardRow>, i: number, opts: BoardOptions) => {
  const row = rows[i]!
  const id = greenhouseId(row)
  const second = i % 4 === 1 ? rows[(i + 1) % rows.length]! : undefined
  const places = [row.location, ...(second === undefined ? [] : [second.location])]
  return {
    id,
    internal_job_id: 3_000_000 + row.sourceRow,
    title: row.title,
    updated_at: `${daysBefore(i)}T10:55:28-05:00`,
    first_published: `${daysBefore(i)}T09:30:00-05:00`,
    requisition_id: `REQ-${row.sourceRow}`,
    // Greenhouse has no remote flag: boards write it into the location's name.
    location: { name: isRemoteRow(row) ? `${places.join(" | ")} (Remote)` : places.join(i % 8 === 1 ? " | " : "; ") },
    absolute_url: `https://job-boards.greenhouse.io/${opts.board}/jobs/${id}`,
    company_name: row.company,
    metadata: null,
    content: escapeHtml(textToHtml(row.description)),
    departments: [{ id: 13_583, name: "Data", parent_id: null, child_ids: [] }],
    offices: [
      ...places.map((place, k) => ({ id: 8_304 + k, name: place, location: place, parent_id: null, child_ids: [] })),
      ...(isRemoteRow(row) ? [{ id: 8_300, name: "Remote", location: null, parent_id: null, child_ids: [] }] : [])
    ]
  }
}

/**
 * Lever Postings API, `GET /v0/postings/{site}?mode=json`: a bare array; `createdAt` in epoch milliseconds;
 * `workplaceType` as real boards write it (`remote`, `onsite`, `hybrid`).
 */
export const leverPostings = (rows: ReadonlyArray<BoardRow>, opts: BoardOptions) =>
  rows.map((row, i) => {
    const id = uuidOf(row.sourceRow, "1e7e")
    const salary = glassdoorSalary(row.salaryText)
    const hostedUrl = `https://jobs.lever.co/${opts.board}/${id}`
    return {
      id,
      text: row.title,
      categories: {
        location: row.location,
        commitment: isPartTime(i) ? "Part-time" : "Full-time",
        team: "Data Science",
        department: "Data",
        allLocations: [row.location]
      },
      country: "US",
      createdAt: Date.parse(`${daysBefore(i)}T14:00:00Z`),
      hostedUrl,
      applyUrl: `${hostedUrl}/apply`,
      description: textToHtml(row.description),
      descriptionPlain: row.description,
      lists: [],
      additional: "",
      additionalPlain: "",
      // Lever documents `on-site`; real boards send `onsite`.
      workplaceType: isRemoteRow(row) ? "remote" : i % 4 === 3 ? "hybrid" : "onsite",
      ...(salary === null
        ? {}
        : {
            salaryRange: {
              min: salary.minValue,
              max: salary.maxValue,
              currency: "USD",
              interval: salary.unitText === "HOUR" ? "per-hour-wage" : "per-year-salary"
            }
          })
    }
  })

/** Ashby posting API, `GET /posting-api/job-board/{board}?includeCompensation=true`. */
export const ashbyJobBoard = (rows: ReadonlyArray<BoardRow>, opts: BoardOptions) => ({
  apiVersion: "1",
  jobs: rows.map((row, i) => {
    const id = uuidOf(row.sourceRow, "a5b7")
    const salary = glassdoorSalary(row.salaryText)
    const place = splitLocation(row.location)
    const jobUrl = `https://jobs.ashbyhq.com/${opts.board}/${id}`
    const remote = isRemoteRow(row)
    return {
      id,
      title: row.title,
      location: row.location,
      secondaryLocations: [],
      department: "Data",
      team: "Data Science",
      isListed: true,
      isRemote: remote,
      workplaceType: remote ? "Remote" : "OnSite",
      descriptionHtml: textToHtml(row.description),
      descriptionPlain: row.description,
      publishedAt: `${daysBefore(i)}T16:21:55.393+00:00`,
      employmentType: isPartTime(i) ? "PartTime" : "FullTime",
      address: {
        postalAddress: {
          ...(place.city === undefined ? {} : { addressLocality: place.city }),
          addressRegion: place.region,
          addressCountry: "USA"
        }
      },
      jobUrl,
      applyUrl: `${jobUrl}/application`,
      shouldDisplayCompensationOnJobPostings: salary !== null,
      ...(salary === null
        ? {}
        : {
            compensation: {
              compensationTierSummary: row.salaryText,
              scrapeableCompensationSalarySummary: row.salaryText,
              compensationTiers: [],
              summaryComponents: [
                {
                  compensationType: "Salary",
                  interval: salary.unitText === "HOUR" ? "1 HOUR" : "1 YEAR",
                  currencyCode: "USD",
                  minValue: salary.minValue,
                  maxValue: salary.maxValue
                }
              ]
            }
          })
    }
  })
})

/** SmartRecruiters Posting API list, `GET /v1/companies/{company}/postings?offset=&limit=`: one page of rows. */
export const smartRecruitersPostings = (
  rows: ReadonlyArray<BoardRow>,
  opts: BoardOptions,
  page: { readonly offset: number; readonly limit: number }
) => ({
  offset: page.offset,
  limit: page.limit,
  totalFound: rows.length,
  content: rows
    .slice(page.offset, page.offset + page.limit)
    .map((row, i) => smartRecruitersListItem(row, page.offset + i, opts))
})

/** SmartRecruiters Posting API detail, `GET /v1/companies/{company}/postings/{id}`, for the row at `index`. */
export const smartRecruitersPosting = (row: BoardRow, index: number, opts: BoardOptions) => {
  const item = smartRecruitersListItem(row, index, opts)
  const postingUrl = `https://jobs.smartrecruiters.com/${opts.board}/${item.id}-${slugify(row.title)}`
  return {
    ...item,
    jobAd: {
      sections: {
        companyDescription: { title: "Company Description", text: `<p>${escapeHtml(row.company)}</p>` },
        jobDescription: { title: "Job Description", text: textToHtml(row.description) },
        qualifications: { title: "Qualifications", text: "" },
        additionalInformation: { title: "Additional Information", text: "" }
      }
    },
    postingUrl,
    applyUrl: `${postingUrl}?oga=true`
  }
}

/** The id SmartRecruiters gives the row's posting: what a detail request for it names. */
export const smartRecruitersId = (row: BoardRow): string => String(744_000_000_000_000 + row.sourceRow)

/**
 * Recruitee Careers Site API, `GET https://{company}.recruitee.com/api/offers/`: each offer has its main place
 * (`location`, `city`, `country`) and every place it is open in (`locations`).
 */
export const recruiteeOffers = (rows: ReadonlyArray<BoardRow>, opts: BoardOptions) => ({
  offers: rows.map((row, i) => {
    const slug = slugify(row.title)
    const place = splitLocation(row.location)
    const salary = glassdoorSalary(row.salaryText)
    const careersUrl = `https://${opts.board}.recruitee.com/o/${slug}-${row.sourceRow}`
    return {
      id: 900_000 + row.sourceRow,
      slug: `${slug}-${row.sourceRow}`,
      title: row.title,
      company_name: row.company,
      description: textToHtml(row.description),
      requirements: "",
      location: `${row.location}, United States`,
      city: place.city ?? "",
      state_name: place.region,
      country: "United States",
      country_code: "US",
      // Every fourth offer is open in a second city too (the next row's).
      locations: [row, ...(i % 4 === 2 ? [rows[(i + 1) % rows.length]!] : [])].map(recruiteeLocation),
      remote: isRemoteRow(row),
      employment_type_code: isPartTime(i) ? "parttime_permanent" : "fulltime_permanent",
      created_at: `${daysBefore(i + 1)} 08:00:00 UTC`,
      published_at: `${daysBefore(i)} 09:30:00 UTC`,
      careers_url: careersUrl,
      careers_apply_url: `${careersUrl}/c/new`,
      salary:
        salary === null
          ? null
          : { min: String(salary.minValue), max: String(salary.maxValue), currency: "USD", period: salary.unitText === "HOUR" ? "hour" : "year" }
    }
  })
})

/** Workable widget API, `GET /api/v1/widget/accounts/{account}?details=true`: `description` is HTML. */
export const workableAccount = (rows: ReadonlyArray<BoardRow>, opts: BoardOptions & { readonly name: string }) => ({
  name: opts.name,
  description: `<p>${escapeHtml(opts.name)} careers</p>`,
  jobs: rows.map((row, i) => {
    const shortcode = `W${(0xa0000 + row.sourceRow).toString(16).toUpperCase()}`
    const place = splitLocation(row.location)
    const url = `https://apply.workable.com/j/${shortcode}`
    return {
      title: row.title,
      shortcode,
      code: `JOB-${row.sourceRow}`,
      employment_type: isPartTime(i) ? "Part-time" : "Full-time",
      telecommuting: isRemoteRow(row),
      department: "Data",
      url,
      shortlink: url,
      application_url: `${url}/apply`,
      published_on: daysBefore(i),
      created_at: daysBefore(i + 1),
      country: "United States",
      city: place.city ?? "",
      state: place.region,
      education: "",
      experience: "",
      function: "",
      industry: row.industry ?? "",
      // Every seventh employer hides the job's place: its only location is `hidden`, its own city and state stay.
      locations: [
        { country: "United States", countryCode: "US", city: place.city ?? "", region: place.region, hidden: i % 7 === 3 }
      ],
      description: textToHtml(row.description)
    }
  })
})

// ---------------------------------------------------------------------------------------------------------------

/** One of a Recruitee offer's `locations`: the place of `row`. */
const recruiteeLocation = (row: BoardRow) => {
  const place = splitLocation(row.location)
  return {
    id: 70_000 + row.sourceRow,
    name: place.city ?? place.region,
    city: place.city ?? null,
    state: place.region,
    country: "United States",
    country_code: "US"
  }
}

const smartRecruitersListItem = (row: BoardRow, index: number, opts: BoardOptions) => {
  const id = smartRecruitersId(row)
  const place = splitLocation(row.location)
  const remote = isRemoteRow(row)
  return {
    id,
    name: row.title,
    uuid: uuidOf(row.sourceRow, "5a7e"),
    refNumber: `REF${row.sourceRow}`,
    company: { identifier: opts.board, name: row.company },
    releasedDate: `${daysBefore(index)}T19:36:42.346Z`,
    location: {
      ...(place.city === undefined ? {} : { city: place.city }),
      region: place.region,
      country: "us",
      remote,
      fullLocation: `${row.location}, United States`
    },
    typeOfEmployment: { label: isPartTime(index) ? "Part-time" : "Full-time" },
    ref: `https://api.smartrecruiters.com/v1/companies/${opts.board}/postings/${id}`
  }
}

/**
 * Remote as the demo careers site has it (catalog.ts: a title saying so, or every sixth posting of the fixture),
 * so one posting is remote, or not, on every source that lists it.
 */
export const isRemoteRow = (row: BoardRow): boolean => /\bremote\b/i.test(row.title) || fixture().indexOf(row) % 6 === 5
const isPartTime = (index: number): boolean => index % 5 === 4

/** "Albuquerque, NM" -> city and region; a bare "Maryland" is a region. */
const splitLocation = (location: string): { city?: string; region: string } => {
  const cut = location.lastIndexOf(",")
  return cut < 0
    ? { region: location.trim() }
    : { city: location.slice(0, cut).trim(), region: location.slice(cut + 1).trim() }
}

const daysBefore = (days: number): string =>
  new Date(Date.parse(`${REFERENCE_DATE}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10)

/** A UUID-shaped id that is a pure function of the row, tagged per source so that sources never share ids. */
const uuidOf = (sourceRow: number, tag: string): string =>
  `${sourceRow.toString(16).padStart(8, "0")}-${tag}-4000-8000-${sourceRow.toString(16).padStart(12, "0")}`

const slugify = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60) || "job"
