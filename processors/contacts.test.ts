import { describe, expect, it } from "vitest"
import { Schema } from "effect"
import { Contact } from "../schemas/Contact.js"
import { extractContacts } from "./contacts.js"
import { contactSample, distinctRows, isHeldOut, loadContactLabels, scoreContacts } from "./contactsEvaluation.js"
import { htmlToText } from "./normalize/text.js"
import { glassdoorRows } from "./sampleData.js"

// Real postings: the Glassdoor rows in sampleData/ (provenance in sampleData/README.md), as the normalizer stores
// their text. Row numbers are glassdoorRows()'s.
const rows = glassdoorRows()
const textOf = (row: number) => htmlToText(rows[row]!.description)
const real = distinctRows(rows).map((r) => ({ row: r.row, text: htmlToText(r.description) }))
const contactsOf = (row: number) => extractContacts({ description: textOf(row) })

describe("extractContacts on the 596 distinct real descriptions", () => {
  const all = real.map(({ row, text }) => ({ row, text, contacts: extractContacts({ description: text }) }))
  const every = all.flatMap(({ text, contacts }) => contacts.map((c) => ({ text, c })))

  it("finds some, and every one is a valid Contact read from its own span", () => {
    expect(every.length).toBeGreaterThan(25)
    for (const { text, c } of every) {
      expect(Schema.is(Contact)(c)).toBe(true)
      expect(text.slice(c.span.start, c.span.end)).toBe(c.span.text)
      expect(c.confidence).toBeGreaterThanOrEqual(0.5)
    }
  })

  it("invents nothing: names, titles and URLs are in the span, an address verbatim or, obfuscated, piece by piece", () => {
    for (const { c } of every) {
      if (c.name !== null) expect(c.span.text).toContain(c.name)
      if (c.title !== null) expect(c.span.text).toContain(c.title)
      if (c.url !== null) expect(c.span.text).toBe(c.url)
      if (c.email !== null && !c.span.text.includes(c.email)) {
        for (const piece of c.email.split(/[@.]/)) expect(c.span.text).toContain(piece)
      }
    }
  })

  it("gives the same answer twice, each address and URL once, in reading order", () => {
    for (const { text, contacts } of all) {
      expect(extractContacts({ description: text })).toEqual(contacts)
      const keys = contacts.flatMap((c) => [c.email?.toLowerCase(), c.url].filter((k) => k != null))
      expect(new Set(keys).size).toBe(keys.length)
      expect(contacts.map((c) => c.span.start)).toEqual(contacts.map((c) => c.span.start).sort((a, b) => a - b))
    }
  })
})

describe("extractContacts on particular real postings", () => {
  it("reads a named person with the address they are given with", () => {
    expect(contactsOf(373)).toEqual([
      expect.objectContaining({ kind: "person", name: "Joanne Halpern", email: "hr@freedmanhealthcare.com", span: expect.objectContaining({ text: "Joanne Halpern at hr@freedmanhealthcare.com" }) })
    ])
    // "CONTACT INFORMATION:" on a line, the name on the next, the address on the one after.
    expect(contactsOf(232)).toEqual([expect.objectContaining({ kind: "person", name: "Alan Bui", email: "Alan@OSIengineering.com", confidence: 0.9 })])
    expect(contactsOf(53)).toEqual([expect.objectContaining({ kind: "person", name: "Cara Harkin", email: null })])
  })

  it("reads an address written as madhavi(at)impetususa(dot)com", () => {
    expect(contactsOf(587)).toEqual([
      expect.objectContaining({ kind: "email", email: "madhavi@impetususa.com", span: expect.objectContaining({ text: "madhavi(at)impetususa(dot)com" }) })
    ])
  })

  it("returns no accommodation, EEO, scam-report or example address, nor one the posting says not to use", () => {
    // HR@ for accommodations; talent@ for accommodations; accommodations@; recruiting@ for accommodations;
    // careers@ in "do not forward resumes to our careers@ account"; ADA requests only.
    for (const row of [5, 21, 648, 661, 199, 421, 928, 483]) expect(contactsOf(row)).toEqual([])
    // "e.g. jsmith@quartethealth.com" and "report a security issue ... security@" are left; the referral address stays.
    expect(contactsOf(606).map((c) => c.email)).toEqual(["talent@quartethealth.com"])
    // Of an accommodation address and a recruiting one in the same posting, only the recruiting one.
    expect(contactsOf(113).map((c) => c.email)).toEqual(["jobs@rrms.com"])
  })

  it("reads apply links stated as such, and not a company's site or a URL the text does not say to apply at", () => {
    expect(contactsOf(139)).toEqual([expect.objectContaining({ kind: "apply-link", url: "www.scripps.com/careers" })])
    expect(contactsOf(205).map((c) => c.url)).toEqual(["https://dodge.breezy.hr/"])
    expect(contactsOf(880).map((c) => c.url)).toEqual(["www.americancareercollege.edu", "www.westcoastuniversity.edu"])
    // "Visit us at netskope.com/company/careers", "learn more at www.bwxt.com", a URL on the line after an address.
    for (const row of [60, 330]) expect(contactsOf(row)).toEqual([])
    expect(contactsOf(472).map((c) => c.kind)).toEqual(["email"])
  })

  it("takes no handle or company for an address or a person", () => {
    // "follow us on Twitter @yeslerb2b.com", "Please mark @talent.icims.com as a safe sender".
    for (const row of [13, 643]) expect(contactsOf(row)).toEqual([])
  })
})

// Forms the real sample lacks, written for these tests (no real posting text).
describe("extractContacts on forms the sample lacks", () => {
  const only = (description: string, sourceType?: string) => extractContacts(sourceType === undefined ? { description } : { description, sourceType })

  it("reads a person's title after their name, in an apposition or in parentheses, and before it", () => {
    expect(only("Questions? Reach out to Jane Doe, our Head of Talent.")).toEqual([
      expect.objectContaining({ kind: "person", name: "Jane Doe", title: "Head of Talent", email: null, confidence: 0.85 })
    ])
    expect(only("Please contact John Smith (Engineering Manager) at john@acme.example with your CV.")).toEqual([
      expect.objectContaining({ kind: "person", name: "John Smith", title: "Engineering Manager", email: "john@acme.example" })
    ])
    const [before] = only("To learn more, contact our Head of Recruiting, Maria Lopez, at maria@acme.example.")
    expect(before).toMatchObject({ name: "Maria Lopez", title: "Head of Recruiting", email: "maria@acme.example" })
    expect(before!.span.text).toBe("our Head of Recruiting, Maria Lopez, at maria@acme.example")
  })

  it("does not read teams, companies or a name that goes on into a sentence as people", () => {
    expect(only("Please contact Human Resources at hr@acme.example.")).toEqual([expect.objectContaining({ kind: "email", name: null })])
    expect(only("Contact Customer Success for details.")).toEqual([])
    expect(only("Contact Western Digital at staffing@westerndigital.example.")).toEqual([expect.objectContaining({ kind: "email", name: null })])
    expect(extractContacts({ description: "Reach out to Bright Horizons.", company: "Bright Horizons Family Solutions" })).toEqual([])
  })

  it("de-obfuscates an address only when the form is unambiguous", () => {
    expect(only("Send your resume to jobs [at] acme [dot] com.").map((c) => c.email)).toEqual(["jobs@acme.com"])
    expect(only("Email jobs at acme.com with questions.").map((c) => c.email)).toEqual(["jobs@acme.com"])
    expect(only("You will work at acme.com on the checkout.")).toEqual([])
    expect(only("Email us at acme.com.")).toEqual([])
  })

  it("reads a Hacker News header's link, never a shortened one, and only for Hacker News", () => {
    const comment = "Acme | Senior Engineer | Berlin or REMOTE (EU) | https://acme.example/jobs\nWe build trains. Questions? Email hiring@acme.example"
    expect(only(comment, "hackernews")).toEqual([
      expect.objectContaining({ kind: "apply-link", url: "https://acme.example/jobs", confidence: 0.6 }),
      expect.objectContaining({ kind: "email", email: "hiring@acme.example", confidence: 0.9 })
    ])
    expect(only(comment).map((c) => c.kind)).toEqual(["email"])
    expect(only("Acme is hiring a Data Scientist in Austin, TX. Apply at https://acme.example/careers/data-sc...", "hackernews")).toEqual([])
  })
})

describe("the hand-checked labels", () => {
  it("cover exactly the documented sample, and name only contacts found in their posting's text", () => {
    const labels = loadContactLabels()
    expect(labels.postings.map((p) => p.row).sort((a, b) => a - b)).toEqual(contactSample(rows).map((r) => r.row).sort((a, b) => a - b))
    // An obfuscated address is labelled de-obfuscated; its local part is still in the text.
    const stated = (c: { readonly name?: string; readonly email?: string; readonly url?: string }) => [c.name, c.url, c.email?.split("@")[0]]
    for (const p of labels.postings) {
      for (const value of p.contacts.flatMap(stated)) if (value !== undefined) expect(textOf(p.row)).toContain(value)
    }
    expect(labels.postings.filter((p) => p.contacts.length > 0).length).toBeGreaterThan(30)
  })

  it("are matched with precision and recall of at least 0.9 on the held-out half (npm run eval:contacts prints them)", () => {
    const score = scoreContacts(loadContactLabels(), textOf, isHeldOut)
    expect(score.labelled).toBeGreaterThan(15)
    expect(score.precision).toBeGreaterThanOrEqual(0.9)
    expect(score.recall).toBeGreaterThanOrEqual(0.9)
  })
})
