import { describe, expect, it } from "vitest"
import type { RawFields } from "../../schemas/RawPosting.js"
import { parseSalary, parseSalaryText, salaryPeriodOf } from "./salary.js"

describe("parseSalaryText", () => {
  const usdYear = (min: number | null, max: number | null) => ({ min, max, currency: "USD", period: "YEAR" })

  it.each([
    // Every format that occurs in glassdoor_jobs.csv.
    ["$53K-$91K (Glassdoor est.)", usdYear(53_000, 91_000)],
    ["$17-$24 Per Hour(Glassdoor est.)", { min: 17, max: 24, currency: "USD", period: "HOUR" }],
    ["Employer Provided Salary:$150K-$160K", usdYear(150_000, 160_000)],
    ["$110K-$150K(Employer est.)", usdYear(110_000, 150_000)],
    ["Employer Provided Salary:$25-$28 Per Hour", { min: 25, max: 28, currency: "USD", period: "HOUR" }],
    ["$15K-$16K(Employer est.)", usdYear(15_000, 16_000)]
  ])("reads the real Glassdoor format %j", (text, expected) => {
    expect(parseSalaryText(text)).toEqual(expected)
  })

  it.each([
    ["$25-$35 Per Hour", { min: 25, max: 35, currency: "USD", period: "HOUR" }],
    ["£40,000 - £50,000 a year", { min: 40_000, max: 50_000, currency: "GBP", period: "YEAR" }],
    ["€60k", { min: 60_000, max: 60_000, currency: "EUR", period: "YEAR" }],
    ["USD 120,000-150,000", usdYear(120_000, 150_000)],
    ["$120,000 - $150,000 USD per year", usdYear(120_000, 150_000)],
    ["Up to $100k", usdYear(null, 100_000)],
    ["From $80,000/yr", usdYear(80_000, null)],
    ["$80k+", usdYear(80_000, null)],
    ["$53-91K", usdYear(53_000, 91_000)],
    ["$91K-$53K", usdYear(53_000, 91_000)],
    ["between $50k and $60k annually", usdYear(50_000, 60_000)],
    ["$100k-$120k + 10% bonus", usdYear(100_000, 120_000)],
    ["$100k–$120k plus 401(k)", usdYear(100_000, 120_000)],
    ["$50,000 CAD", { min: 50_000, max: 50_000, currency: "CAD", period: "YEAR" }],
    ["CA$60,000 - CA$70,000 per year", { min: 60_000, max: 70_000, currency: "CAD", period: "YEAR" }],
    ["€3.500 - €4.500 per month", { min: 3_500, max: 4_500, currency: "EUR", period: "MONTH" }],
    ["45.50 USD per hour", { min: 45.5, max: 45.5, currency: "USD", period: "HOUR" }],
    ["60,5k €", { min: 60_500, max: 60_500, currency: "EUR", period: "YEAR" }],
    ["JPY 5,000,000 per year", { min: 5_000_000, max: 5_000_000, currency: "JPY", period: "YEAR" }],
    ["£400 - £500 per day", { min: 400, max: 500, currency: "GBP", period: "DAY" }],
    ["$1,200/week", { min: 1_200, max: 1_200, currency: "USD", period: "WEEK" }]
  ])("reads %j", (text, expected) => {
    expect(parseSalaryText(text)).toEqual(expected)
  })

  it.each([
    ["-1", "Glassdoor's marker for no estimate"],
    ["", "empty"],
    ["Competitive", "no amount"],
    ["$25-$35", "no period, and hourly-sized amounts"],
    ["€3.500 - €4.500", "no period, and monthly-sized amounts"],
    ["¥5,000,000", "¥ is yen or yuan"],
    ["50,000 - 60,000", "no currency"],
    ["$20/hr or $40k/yr", "two periods"],
    ["€50k (~$55k)", "two currencies"],
    ["$100k, $120k, $140k", "three amounts"],
    ["$50k bonus after 2 years", "unconnected numbers"],
    ["$120,000 per hour", "implausible for an hour"],
    ["$12 per year", "implausible for a year"],
    ["x".repeat(10_000) + "$50k", "longer than any salary line"]
  ])("gives null for %j (%s)", (text) => {
    expect(parseSalaryText(text)).toBeNull()
  })

  it("uses the structured currency and period as defaults", () => {
    expect(parseSalaryText("50,000 - 60,000", { currency: "EUR", period: "YEAR" })).toEqual({
      min: 50_000,
      max: 60_000,
      currency: "EUR",
      period: "YEAR"
    })
  })
})

describe("parseSalary (structured fields)", () => {
  it("reads schema.org-style min/max/currency/unit", () => {
    expect(parseSalary({ min: 50_000, max: 70_000, currency: "USD", unit: "YEAR" })).toEqual({
      min: 50_000,
      max: 70_000,
      currency: "USD",
      period: "YEAR"
    })
  })

  it.each([
    ["HOUR", "HOUR"], ["per hour", "HOUR"], ["Hourly", "HOUR"], ["hr", "HOUR"], ["PT1H", "HOUR"],
    ["DAY", "DAY"], ["daily", "DAY"], ["P1D", "DAY"],
    ["WEEK", "WEEK"], ["Weekly", "WEEK"], ["per week", "WEEK"],
    ["MONTH", "MONTH"], ["MONTHLY", "MONTH"], ["per month", "MONTH"], ["P1M", "MONTH"],
    ["YEAR", "YEAR"], ["yearly", "YEAR"], ["annual", "YEAR"], ["Annually", "YEAR"], ["per annum", "YEAR"], ["P1Y", "YEAR"]
  ])("maps the unit %j", (unit, period) => {
    expect(salaryPeriodOf(unit)).toBe(period)
  })

  it.each([
    ["per-year-salary", "YEAR"], ["per-month-salary", "MONTH"], ["per-week-salary", "WEEK"], ["per-day-wage", "DAY"],
    ["per-hour-wage", "HOUR"], ["PER_YEAR_SALARY", "YEAR"], ["Per Hour Wage", "HOUR"], [" per.month.salary ", "MONTH"],
    ["1 YEAR", "YEAR"], ["hourly rate", "HOUR"], ["day rate", "DAY"], ["annual salary", "YEAR"]
  ])("maps Lever's salary interval (and other suffixed units) %j", (unit, period) => {
    expect(salaryPeriodOf(unit)).toBe(period)
  })

  it.each(["one-time", "ONE_TIME", "One Time", "salary", "wage", "per-salary", "base salary"])("gives no period for %j", (unit) => {
    expect(salaryPeriodOf(unit)).toBeNull()
  })

  it("reads a Lever salary range by its interval, and drops a one-time amount rather than guess a period", () => {
    const yearly = { min: 53_000, max: 91_000, currency: "USD" }
    expect(parseSalary({ ...yearly, unit: "per-year-salary" })).toEqual({ ...yearly, period: "YEAR" })
    expect(parseSalary({ min: 10, max: 17, currency: "USD", unit: "per-hour-wage" })?.period).toBe("HOUR")
    expect(parseSalary({ min: 4_000, max: 5_000, currency: "EUR", unit: "per-month-salary" })?.period).toBe("MONTH")
    expect(parseSalary({ min: 20_000, max: 20_000, currency: "USD", unit: "one-time" })).toBeNull()
  })

  it("normalizes currency spellings", () => {
    expect(parseSalary({ min: 30, max: 40, currency: "usd", unit: "HOUR" })?.currency).toBe("USD")
    expect(parseSalary({ min: 30, max: 40, currency: "$", unit: "HOUR" })?.currency).toBe("USD")
    expect(parseSalary({ min: 30, max: 40, currency: "€", unit: "HOUR" })?.currency).toBe("EUR")
    expect(parseSalary({ min: 30, max: 40, currency: "US$", unit: "HOUR" })?.currency).toBe("USD")
  })

  it("treats one value as min = max and swaps reversed bounds", () => {
    expect(parseSalary({ min: 85_000, max: 85_000, currency: "USD", unit: "YEAR" })).toEqual({ min: 85_000, max: 85_000, currency: "USD", period: "YEAR" })
    expect(parseSalary({ min: 90_000, max: 60_000, currency: "USD", unit: "YEAR" })).toEqual({ min: 60_000, max: 90_000, currency: "USD", period: "YEAR" })
    expect(parseSalary({ max: 90_000, currency: "USD", unit: "YEAR" })).toEqual({ min: null, max: 90_000, currency: "USD", period: "YEAR" })
  })

  it("infers a year only from a large amount in a known currency", () => {
    expect(parseSalary({ min: 120_000, max: 150_000, currency: "USD" })?.period).toBe("YEAR")
    expect(parseSalary({ min: 30, max: 40, currency: "USD" })).toBeNull()
    expect(parseSalary({ min: 400_000, max: 500_000, currency: "JPY" })).toBeNull()
  })

  it("falls back to the text when there are no numbers", () => {
    expect(parseSalary({ text: "$53K-$91K (Glassdoor est.)" })).toEqual({ min: 53_000, max: 91_000, currency: "USD", period: "YEAR" })
    expect(parseSalary({ text: "45,000 - 55,000", currency: "GBP", unit: "YEAR" })).toEqual({ min: 45_000, max: 55_000, currency: "GBP", period: "YEAR" })
  })

  it.each<[RawFields["salary"], string]>([
    [{ min: 50_000, max: 70_000, unit: "YEAR" }, "no currency"],
    [{ min: 50_000, max: 70_000, currency: "USD", unit: "per project" }, "unknown unit"],
    [{ min: 25, max: 30, currency: "USD", unit: "YEAR" }, "hourly amounts labelled YEAR"],
    [{ min: 90_000, max: 120_000, currency: "USD", unit: "HOUR" }, "yearly amounts labelled HOUR"],
    [{ min: 0, max: 0, currency: "USD", unit: "YEAR" }, "zero means not disclosed"],
    [{ min: Number.NaN, max: Number.POSITIVE_INFINITY, currency: "USD", unit: "YEAR" }, "not numbers"],
    [{}, "nothing"]
  ])("gives null for %j (%s)", (salary) => {
    expect(parseSalary(salary)).toBeNull()
  })

  it("gives null without a salary", () => {
    expect(parseSalary(undefined)).toBeNull()
  })
})
