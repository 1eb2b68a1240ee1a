import type { RawFields } from "../../schemas/RawPosting.js"
import { isNode, type Node } from "./jsonLdBlocks.js"

/**
 * A schema.org JobPosting node to `RawFields`: each property in the shapes real pages give it (text or
 * `{"@value"}`, one or many, inline or an `@id` reference that `resolve` looks up). Pure, never throws.
 */

type Resolve = (value: unknown) => unknown

export const fieldsOf = (posting: Node, resolve: Resolve): RawFields => {
  const locations = [
    ...many(posting.jobLocation).flatMap((place) => placeName(resolve(place), resolve)),
    ...many(posting.applicantLocationRequirements).flatMap((area) => placeName(resolve(area), resolve))
  ]
  const employmentType = many(posting.employmentType)
    .map(text1)
    .filter((t): t is string => t !== undefined)
    .flatMap((t) => t.split(/\s*,\s*/))
    .filter((t) => t.trim() !== "")
  const fields: { -readonly [K in keyof RawFields]: RawFields[K] } = {}
  const title = text1(posting.title) ?? text1(posting.name)
  if (title !== undefined) fields.title = title
  const company = organizationName(posting.hiringOrganization, resolve)
  if (company !== undefined) fields.company = company
  const description = text1(posting.description)
  if (description !== undefined) fields.description = description
  if (locations.length > 0) fields.locations = [...new Set(locations)]
  if (many(posting.jobLocationType).some((t) => text1(t)?.trim().toUpperCase() === "TELECOMMUTE")) fields.remote = true
  if (employmentType.length > 0) fields.employmentType = employmentType
  const datePosted = text1(posting.datePosted)
  if (datePosted !== undefined) fields.datePosted = datePosted
  const validThrough = text1(posting.validThrough)
  if (validThrough !== undefined) fields.validThrough = validThrough
  const requisitionId = identifierValue(posting.identifier, resolve)
  if (requisitionId !== undefined) fields.requisitionId = requisitionId
  const salary = salaryOf(resolve(posting.baseSalary) ?? resolve(posting.estimatedSalary), resolve)
  if (salary !== undefined) fields.salary = salary
  return fields
}

const many = (value: unknown): Array<unknown> => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value])

/** A text value: a string, a number, `{"@value": ...}`, or the first of an array of those. */
export const text1 = (value: unknown): string | undefined => {
  if (typeof value === "string") return value.trim() === "" ? undefined : value
  if (typeof value === "number" && Number.isFinite(value)) return String(value)
  if (Array.isArray(value)) {
    for (const item of value) {
      const t = text1(item)
      if (t !== undefined) return t
    }
    return undefined
  }
  return isNode(value) && "@value" in value ? text1(value["@value"]) : undefined
}

const organizationName = (value: unknown, resolve: Resolve): string | undefined => {
  for (const item of many(value)) {
    const org = resolve(item)
    const name = isNode(org) ? (text1(org.name) ?? text1(org.legalName)) : text1(org)
    if (name !== undefined) return name
  }
  return undefined
}

/** A Place, PostalAddress, Country/State or plain string to one "Locality, Region, Country" string. */
const placeName = (value: unknown, resolve: Resolve): Array<string> => {
  if (!isNode(value)) {
    const t = text1(value)
    return t === undefined ? [] : [t]
  }
  const addresses = many(value.address).map(resolve)
  const fromAddresses = addresses.flatMap((address) => {
    if (!isNode(address)) return many(text1(address))
    const country = resolve(address.addressCountry)
    const parts = [
      text1(address.addressLocality),
      text1(address.addressRegion),
      isNode(country) ? text1(country.name) : text1(country)
    ].filter((p): p is string => p !== undefined && p.trim() !== "")
    return parts.length > 0 ? [parts.map((p) => p.trim()).join(", ")] : []
  })
  if (fromAddresses.length > 0) return fromAddresses.filter((a): a is string => typeof a === "string")
  const name = text1(value.name)
  return name === undefined ? [] : [name]
}

const identifierValue = (value: unknown, resolve: Resolve): string | undefined => {
  for (const item of many(value)) {
    const id = resolve(item)
    const t = isNode(id) ? (text1(id.value) ?? text1(id["@value"])) : text1(id)
    if (t !== undefined) return t.trim()
  }
  return undefined
}

/** MonetaryAmount (value: QuantitativeValue, number or text), a number or a text, to `RawFields.salary`. */
const salaryOf = (value: unknown, resolve: Resolve): RawFields["salary"] => {
  const amount = resolve(Array.isArray(value) ? value[0] : value)
  if (amount === undefined || amount === null) return undefined
  if (!isNode(amount)) return amountOf(amount)
  const quantity = resolve(Array.isArray(amount.value) ? amount.value[0] : amount.value)
  const q = isNode(quantity) ? quantity : {}
  const salary: { -readonly [K in keyof NonNullable<RawFields["salary"]>]: NonNullable<RawFields["salary"]>[K] } = {}
  const single = isNode(quantity) ? amountOf(quantity.value) : amountOf(quantity)
  const min = amountOf(q.minValue ?? amount.minValue)
  const max = amountOf(q.maxValue ?? amount.maxValue)
  if (min?.min !== undefined) salary.min = min.min
  if (max?.max !== undefined) salary.max = max.max
  if (salary.min === undefined && salary.max === undefined && single?.min !== undefined) {
    salary.min = single.min
    salary.max = single.max
  }
  const text = single?.text ?? min?.text ?? max?.text
  if (text !== undefined) salary.text = text
  const currency = text1(amount.currency) ?? text1(q.currency)
  if (currency !== undefined) salary.currency = currency
  const unit = text1(q.unitText) ?? text1(amount.unitText) ?? text1(q.unitCode)
  if (unit !== undefined) salary.unit = unit
  return Object.keys(salary).length > 0 ? salary : undefined
}

/** A number, a numeric string ("85,000.00") as min = max, or any other string as salary text. */
const amountOf = (value: unknown): { min?: number; max?: number; text?: string } | undefined => {
  if (typeof value === "number") return Number.isFinite(value) ? { min: value, max: value } : undefined
  const t = text1(value)
  if (t === undefined) return undefined
  if (/^\s*\d{1,3}(?:,\d{3})+(?:\.\d+)?\s*$|^\s*\d+(?:\.\d+)?\s*$/.test(t)) {
    const n = Number(t.replace(/[,\s]/g, ""))
    return { min: n, max: n }
  }
  return { text: t }
}
