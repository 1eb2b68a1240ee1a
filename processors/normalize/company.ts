import { cleanText } from "./text.js"

/**
 * A company name for display: markup and whitespace cleaned, and the rating that Glassdoor appends on its own
 * line ("Tecolote Research\n3.8") removed.
 */
export const cleanCompanyName = (input: string | undefined): string => {
  if (typeof input !== "string") return ""
  const lines = input.split(/\r?\n/)
  while (lines.length > 1 && /^\s*(?:[0-5](?:[.,]\d)?)?\s*$/.test(lines[lines.length - 1]!)) lines.pop()
  return cleanText(lines.join(" "))
}

const LEGAL_SUFFIXES = new Set([
  "inc", "incorporated", "llc", "lc", "ltd", "limited", "corp", "corporation", "co", "company", "gmbh", "ag", "sa",
  "sas", "sarl", "plc", "bv", "nv", "llp", "lp", "pllc", "pc", "pty", "pte", "srl", "spa", "kg", "kgaa", "ohg",
  "ab", "oy", "oyj", "as", "asa", "aps", "kk", "se", "ulc", "lda", "bhd", "sdn", "sl", "sau"
])

/**
 * The company's blocking key: lower case, diacritics folded, dots and apostrophes removed ("U.S." = "US"),
 * "&"/"and" and a leading "the" ignored, trailing legal suffixes (Inc, LLC, Ltd, Corp, Co, GmbH, AG, SA, PLC,
 * BV, ...) removed, other punctuation to single `-`. "Tecolote Research, Inc." -> "tecolote-research".
 * Letters of any script are kept. Empty when the name has no letters or digits.
 */
export const companyKey = (name: string): string => {
  const folded = cleanCompanyName(name)
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/æ/g, "ae")
    .replace(/œ/g, "oe")
    .replace(/ø/g, "o")
    .replace(/ł/g, "l")
    .replace(/[đð]/g, "d")
    .replace(/þ/g, "th")
    .replace(/ı/g, "i")
    .replace(/\ba\/s\b/g, "as")
    .replace(/[.'’`´]/g, "")
  const tokens = folded.split(/[^\p{L}\p{N}]+/u).filter((t) => t !== "")
  const words = tokens.length > 1 ? tokens.filter((t) => t !== "and") : tokens
  if (words.length > 1 && words[0] === "the") words.shift()
  while (words.length > 1 && LEGAL_SUFFIXES.has(words[words.length - 1]!)) words.pop()
  const key = words.join("-")
  return COMPANY_ALIASES[key] ?? key
}

/**
 * Known other names of one employer (renames, brand and legal names), folded to one key so their postings meet
 * in one dedup block and one partition. Keys as `companyKey` makes them.
 */
const COMPANY_ALIASES: Record<string, string> = {
  "ncr-voyix": "ncr",
  "meta-platforms": "meta",
  facebook: "meta",
  "alphabet": "google",
  "google-llc": "google",
  "amazon-web-services": "amazon",
  aws: "amazon",
  "amazoncom": "amazon",
  "amazoncom-services": "amazon",
  "jpmorgan-chase": "jpmorgan",
  "jp-morgan": "jpmorgan",
  "jp-morgan-chase": "jpmorgan",
  "jpmorganchase": "jpmorgan",
  "international-business-machines": "ibm",
  "hewlett-packard-enterprise": "hpe",
  "twitter": "x",
  "block-formerly-square": "block",
  "square": "block"
}
