import type { Contact } from "../schemas/Contact.js"

/**
 * The contacts a posting states in its plain-text description: email addresses, named recruiters or hiring
 * managers, and application links. Pure and deterministic: the API and the desk call it on read for every job they
 * show, so it is a handful of linear regular-expression passes over the text (tens of microseconds a posting).
 *
 * Guarantees:
 * - nothing is invented: every contact carries `span`, with `description.slice(span.start, span.end) === span.text`,
 *   and its name, email (for an obfuscated address, its local part and every label of its domain), title and URL
 *   are read inside that span; no address is guessed from a name, no name from a company, place or product;
 * - precision over recall: a person is named only where the text says who to write to (after "contact", "reach out
 *   to", "email", "Contact:", "Recruiter:", ...), with at least two capitalized words none of which is an
 *   organisational word ("Human Resources", "Talent Acquisition", "Our Team");
 * - legal boilerplate is not a contact: an address or person in a sentence about accommodations, disabilities,
 *   assistive technology, privacy, scams or fraud, written as an example ("e.g. jsmith@..."), or one the posting
 *   says not to write to ("do not forward resumes to ..."), gets a confidence below 0.5 and is not returned; so
 *   are addresses whose local part names such a desk (`accommodations@`, `privacy@`, `security@`, `noreply@`);
 * - a URL shown shortened ("https://acme.example/careers/dat...", as Hacker News shows long links) is never an
 *   apply link: it would lead nowhere;
 * - each address and each URL is returned once (its first, most certain statement), ordered by where it is read.
 *
 * Hacker News "Who is hiring" comments (`sourceType` "hackernews") also yield their header line's address and link:
 * a link in the pipe-separated header is the company's page for the job (0.6).
 */
export const extractContacts = (job: { readonly description: string; readonly sourceType?: string }): ReadonlyArray<Contact> => {
  const text = job.description
  const found = [...people(text), ...emails(text), ...obfuscatedEmails(text), ...applyLinks(text, job.sourceType === "hackernews")]
  return keepBest(found.filter((c) => c.confidence >= MIN_CONFIDENCE))
}

/** Contacts below this are dropped; the schema promises none is returned. */
const MIN_CONFIDENCE = 0.5

// ---------------------------------------------------------------------------------------------------------------
// Email addresses

const EMAIL_SOURCE =
  "[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-]|\\.[A-Za-z0-9])"
const EMAIL = new RegExp(`(?<![A-Za-z0-9._%+-])${EMAIL_SOURCE}`, "g")

/** An address stated as such: `jobs@acme.com`. */
const emails = (text: string): Array<Contact> =>
  // The pattern can start at any letter; most postings have no "@" at all, and this check skips them for a tenth of the time.
  (text.includes("@") ? [...text.matchAll(EMAIL)] : []).map((m) => {
    const start = m.index!
    const end = start + m[0].length
    return contact("email", text, start, end, { email: m[0], confidence: emailConfidence(text, start, end, m[0]) })
  })

/**
 * An address written to escape scrapers: `jobs [at] acme [dot] com`, `jobs (at) acme.com`, or, after a word that
 * asks to write ("email jobs at acme dot com"), the bare words. Without brackets and without such a word, "at"
 * is too common ("work at acme.com") to read an address into it.
 */
const BRACKETED = /(?<![\w.+-])([A-Za-z0-9][\w.+-]{0,63})\s*[[({<]\s*at\s*[\])}>]\s*([A-Za-z0-9-]+(?:(?:\s*[[({<]\s*dot\s*[\])}>]\s*|\.)[A-Za-z0-9-]+)*(?:\s*[[({<]\s*dot\s*[\])}>]\s*|\.)[A-Za-z]{2,24})(?![\w-])/gi
const SPELLED =
  /\b(?:e-?mail(?: us| me)?(?: at)?|write (?:to )?(?:us|me)? ?at|reach (?:us|me) at)\s*:?\s+([A-Za-z0-9][\w.+-]{0,63}) at ([A-Za-z0-9-]+(?:(?: dot |\.)[A-Za-z0-9-]+)*(?: dot |\.)[A-Za-z]{2,24})(?![\w-])/gi
/** Words that read as the local part of a spelled-out address but are pronouns ("email us at acme.com"). */
const NOT_LOCAL_PART = /^(?:us|me|them|him|her|you|our|the|a|an|careers?|jobs?\.)$/i

/** What the bracketed form needs somewhere in the text; checked first, as it is cheap and that pattern is not. */
const BRACKETED_AT = /[[({<]\s*at\s*[\])}>]/i

const obfuscatedEmails = (text: string): Array<Contact> =>
  [BRACKETED, SPELLED].flatMap((pattern, i) =>
    (i === 1 || BRACKETED_AT.test(text) ? [...text.matchAll(pattern)] : []).flatMap((m) => {
      const [local, domain] = [m[1]!, m[2]!]
      if (i === 1 && NOT_LOCAL_PART.test(local)) return []
      const start = m.index! + m[0].lastIndexOf(local, m[0].length - domain.length)
      const end = m.index! + m[0].length
      const email = `${local}@${domain.replace(/\s*[[({<]?\s*\bdot\b\s*[\])}>]?\s*/gi, ".")}`
      if (!new RegExp(`^${EMAIL_SOURCE}$`).test(email)) return []
      const certainty = i === 0 ? 0.8 : 0.7
      return [contact("email", text, start, end, { email, confidence: Math.min(certainty, emailConfidence(text, start, end, email)) })]
    })
  )

/** Local parts of the desks that handle legal requests, not applications. */
const DESK_LOCAL_PART = /^(?:accom+odations?|accessibility|ada|eeo|eeoc|privacy|security|spam|abuse|fraud|legal|compliance|no-?reply|do-?not-?reply|unsubscribe|webmaster|postmaster)(?:[._-].*)?$/i
/** Sentences about these are legal boilerplate, whatever address they give. */
const BOILERPLATE = /accom+odat|disabilit|assistive|reasonable adjustment|privacy|scam|fraud|phishing|spam|security issue|e-verify|background check/i
/** "Do not send resumes to ...": an address the posting tells applicants not to use. */
const NEGATED = /\b(?:do not|don['’]t|never|not to|cannot|can['’]t)\b[^.;:\n]{0,60}$/i
/** "e.g. jsmith@acme.com": a pattern, not an address. */
const EXAMPLE = /(?:\be\.g\.|\bi\.e\.|\bfor example|\bsuch as|\blike)[\s,:(]*$/i
/** Words near an address that say to write to it. */
const ASKS_TO_WRITE = /\b(?:e-?mail|mail|send|submit|share|forward|contact|reach|write|apply|application|resumes?|cvs?|c\.v\.|questions?|inquir\w*|enquir\w*|recruit\w*|talk)\b/i

/**
 * How sure an address is a contact for this job: 0.9 when words before it in its sentence ask to write to it, 0.6 when it
 * stands alone; below 0.5 for boilerplate, examples and addresses the posting says not to use.
 */
const emailConfidence = (text: string, start: number, end: number, email: string): number => {
  const sentence = sentenceAround(text, start, end)
  const before = text.slice(sentence.start, start)
  if (DESK_LOCAL_PART.test(email.slice(0, email.indexOf("@")))) return 0.1
  if (EXAMPLE.test(text.slice(Math.max(0, start - 20), start)) || NEGATED.test(before)) return 0.1
  if (BOILERPLATE.test(text.slice(sentence.start, sentence.end))) return 0.2
  return ASKS_TO_WRITE.test(before) ? 0.9 : 0.6
}

// ---------------------------------------------------------------------------------------------------------------
// People

/** A person's name: two or three capitalized words (a middle initial allowed), on one line. */
const NAME = /([A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)?(?: [A-Z]\.)?(?: [A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)?){1,2})(?![\w@])/y
/** Capitalized words that make a phrase an organisation, a team or a sentence rather than a person. */
const NOT_NAME = new Set(
  ("Our The Us Me You Your We Human Resources Recruiting Recruitment Recruiter Recruiters Talent Acquisition Team Teams " +
    "Department Hiring Manager Managers Careers Career Jobs Job People Office Group Inc Company Companies Please Email " +
    "Contact Apply Application Questions Reference Research Area Data Science Engineering Staffing Services Support " +
    "Center Centre University College Health Labs Laboratories Associates Partners Solutions Technologies Systems " +
    "Corporation Corp Agency Search Desk Info Information Operations Director Head Lead Officer Chief President " +
    "Equal Opportunity Employer Federal State United States America North South East West New York San Francisco " +
    "Los Angeles Boston Chicago Seattle Austin London Remote Onsite Hybrid Full Time Part Monday Friday").split(" ")
)
/** What makes a phrase a job title. */
const TITLE_WORD =
  /\b(?:recruit\w*|talent|hiring|manager|director|head|lead|vp|vice president|president|chief|cto|ceo|coo|cfo|cpo|founder|co-founder|cofounder|partner|engineer|scientist|hr|people|coordinator|sourcer|specialist|officer|principal|owner|architect|generalist)\b/i
/** Words that introduce the person to write to. */
const PERSON_CUE =
  /\b(?:contact|reach out to|e-?mail|write to|speak (?:with|to)|talk to|connect with|send [^.\n]{0,40}? to|questions\?\s*(?:contact|e-?mail|ask))\s+(?:(?:our|the)\s+([^,.;()\n]{2,40}?),\s+)?/gi
/** Labels that put a person's name after them: "Contact: Jane Doe", "Recruiter: John Smith", "CONTACT INFORMATION:\nJane Doe". */
const PERSON_LABEL = /^[ •*-]*(?:contact(?: information| person| details)?|point of contact|recruiter|hiring manager|your recruiter)\s*:[ \t]*\n?[ \t]*/gim
const TITLE_AFTER = /(?:,\s+(?:(?:our|the|a|an|my)\s+)?([^,.;()\n@]{2,60}?)(?=\s*(?:[,.;)\n]|\bat\b|\bvia\b|\bon\b|$))|\s*\(([^()\n@]{2,60})\))/y
const EMAIL_AFTER = new RegExp(`[,]?\\s*(?:\\(|at|via|on|by|:|-|–|\\n(?:e-?mail\\s*:?\\s*)?)?\\s*(?:e-?mail(?: address)?\\s*:?\\s*)?\\(?(${EMAIL_SOURCE})`, "y")

const people = (text: string): Array<Contact> => [
  ...[...text.matchAll(PERSON_CUE)].flatMap((m) => person(text, m.index! + m[0].length, m.index!, m[1], 0.6)),
  ...[...text.matchAll(PERSON_LABEL)].flatMap((m) => person(text, m.index! + m[0].length, m.index! + m[0].search(/\S/), undefined, 0.75))
]

/**
 * The person named at `at`, if a name starts there: with the title after it ("Jane Doe, our Head of Talent", "John
 * Smith (Engineering Manager)") or before it (`titleBefore`: "our Head of Talent, Jane Doe"), and the address right
 * after. Confidence: 0.9 with an address, 0.85 with a title, else `bare`.
 */
const person = (text: string, at: number, cueStart: number, titleBefore: string | undefined, bare: number): Array<Contact> => {
  NAME.lastIndex = at
  const name = NAME.exec(text)?.[1]
  if (name === undefined || name.split(/\s+/).some((word) => NOT_NAME.has(word))) return []
  let end = at + name.length
  let title = titleBefore !== undefined && TITLE_WORD.test(titleBefore) ? titleBefore.trim() : null
  if (titleBefore !== undefined && title === null) return []
  TITLE_AFTER.lastIndex = end
  const after = TITLE_AFTER.exec(text)
  const titleAfter = after?.[1] ?? after?.[2]
  if (title === null && titleAfter !== undefined && TITLE_WORD.test(titleAfter)) {
    title = titleAfter.trim()
    end = after!.index + after![0].length
  }
  EMAIL_AFTER.lastIndex = end
  const address = EMAIL_AFTER.exec(text)
  const email = address?.[1] ?? null
  if (address) end = address.index + address[0].length
  const start = titleBefore !== undefined ? cueStart + text.slice(cueStart, at).search(/\b(?:our|the)\s/i) : at
  const certainty = email !== null ? 0.9 : title !== null ? 0.85 : bare
  const confidence = email !== null ? Math.min(certainty, emailConfidence(text, address!.index, end, email)) : boilerplate(text, start, end) ? 0.2 : certainty
  return [contact("person", text, start, end, { name, title, email, confidence })]
}

const boilerplate = (text: string, start: number, end: number): boolean => {
  const sentence = sentenceAround(text, start, end)
  return BOILERPLATE.test(text.slice(sentence.start, sentence.end)) || NEGATED.test(text.slice(sentence.start, start))
}

// ---------------------------------------------------------------------------------------------------------------
// Apply links

const URL_SOURCE = "(?:https?://|www\\.)[^\\s<>\"'`]+"
/** "apply at https://...", "Apply here: www...", "to apply, please visit ...", "apply via our website at ...". */
const APPLY_LINK = new RegExp(`\\bappl(?:y|ications?)\\b([^.!?\\n]|\\.(?!\\s)|\\n(?!\\n)){0,80}?(${URL_SOURCE})`, "gi")
/** A second address listed right after the first: "www.a.edu OR\nwww.b.edu". */
const LISTED_URL = new RegExp(`\\s*(?:,|or|and|/)\\s*(${URL_SOURCE})`, "iy")
/** A Hacker News header line's link segment: "Acme | Engineer | REMOTE | https://acme.example/jobs". */
const HEADER_URL = new RegExp(`(?:^|\\|)\\s*(${URL_SOURCE})\\s*(?=\\||$)`, "gm")

const applyLinks = (text: string, hackerNews: boolean): Array<Contact> => {
  const links: Array<Contact> = []
  for (const m of text.matchAll(APPLY_LINK)) {
    let start = m.index! + m[0].length - m[2]!.length
    let url = m[2]!
    for (;;) {
      const link = applyLink(text, start, url, 0.85)
      if (link === null) break
      links.push(link)
      LISTED_URL.lastIndex = link.span.end
      const next = LISTED_URL.exec(text)
      if (next === null) break
      start = next.index + next[0].length - next[1]!.length
      url = next[1]!
    }
  }
  if (hackerNews) {
    const header = text.slice(0, text.search(/\n|$/))
    for (const m of header.matchAll(HEADER_URL)) {
      const link = applyLink(text, m.index! + m[0].indexOf(m[1]!), m[1]!, 0.6)
      if (link !== null) links.push(link)
    }
  }
  return links
}

/** The URL at `start` without the punctuation that closes its sentence; null when it is shown shortened. */
const applyLink = (text: string, start: number, raw: string, confidence: number): Contact | null => {
  const url = raw.replace(/[.,;:!?)\]}]+$/, "")
  if (/(?:\.\.\.|…)$/.test(raw) || url.endsWith(".") || !/\.[A-Za-z]{2,}/.test(url)) return null
  return contact("apply-link", text, start, start + url.length, { url, confidence: boilerplate(text, start, start + url.length) ? 0.2 : confidence })
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

const contact = (
  kind: Contact["kind"],
  text: string,
  start: number,
  end: number,
  fields: { readonly name?: string; readonly title?: string | null; readonly email?: string | null; readonly url?: string; readonly confidence: number }
): Contact => ({
  kind,
  name: fields.name ?? null,
  title: fields.title ?? null,
  email: fields.email ?? null,
  url: fields.url ?? null,
  span: { start, end, text: text.slice(start, end) },
  confidence: fields.confidence
})

/**
 * One contact per address and per URL, the surest first (a person before the bare address they were named with),
 * then in reading order.
 */
const keepBest = (found: ReadonlyArray<Contact>): ReadonlyArray<Contact> => {
  const seen = new Set<string>()
  const kept: Array<Contact> = []
  const rank = (c: Contact) => (c.kind === "person" ? 1 : 0) + c.confidence
  for (const c of [...found].sort((a, b) => rank(b) - rank(a) || a.span.start - b.span.start)) {
    const keys = [c.email?.toLowerCase(), c.url?.toLowerCase(), c.kind === "person" ? `name:${c.name}` : undefined].filter((k) => k !== undefined)
    if (keys.some((k) => seen.has(k))) continue
    keys.forEach((k) => seen.add(k))
    kept.push(c)
  }
  return kept.sort((a, b) => a.span.start - b.span.start)
}

/**
 * A full stop that ends a sentence (not "e.g." or "C.V."), a question or exclamation mark, a blank line, or a line
 * break before a capital or a bullet (list items rarely end in a full stop; a sentence wrapped mid-way goes on in
 * lower case).
 */
const SENTENCE_END = /(?<!\b(?:[A-Za-z]\.[A-Za-z]|Inc|Mr|Ms|Mrs|Dr|St|etc|vs))[.!?](?=\s|$)|\n\s*\n|\n(?=[A-Z•*-])/g

/** The sentence around `[start, end)`: back to the last `SENTENCE_END` and on to the next. */
const sentenceAround = (text: string, start: number, end: number): { start: number; end: number } => {
  const from = Math.max(0, start - 400)
  const back = text.slice(from, start)
  let s = from
  for (const m of back.matchAll(SENTENCE_END)) s = from + m.index! + m[0].length
  const rest = text.slice(end, end + 400).search(SENTENCE_END)
  return { start: s, end: rest < 0 ? Math.min(text.length, end + 400) : end + rest }
}
