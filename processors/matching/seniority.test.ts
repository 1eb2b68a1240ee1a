import { describe, expect, it } from "vitest"
import { levelDistance, seniorityOf, seniorityOfResume, yearsOfExperience, yearsRequired } from "./seniority.js"

const level = (title: string, description = "") => seniorityOf(title, description).level

describe("seniorityOf", () => {
  it("reads the level from the title's words", () => {
    expect(level("Data Science Intern")).toBe("intern")
    expect(level("Jr. Business Data Analyst")).toBe("junior")
    expect(level("New Grad 2024: Software Engineer - Backend")).toBe("junior")
    expect(level("Data Engineer I")).toBe("junior")
    expect(level("Associate Scientist")).toBe("junior")
    expect(level("Data Analyst 2 (Missionary Department)")).toBe("mid")
    expect(level("Sr. Data Engineer")).toBe("senior")
    expect(level("Data Engineer 4 - Contract")).toBe("senior")
    expect(level("Principal Data Scientist")).toBe("staff")
    expect(level("Lead Big Data Engineer")).toBe("staff")
    expect(level("Head Data Scientist – NLP lead")).toBe("manager")
    expect(level("Associate Director, Platform and DevOps")).toBe("manager")
  })

  it("lets the strongest word win", () => {
    expect(level("Senior Manager, Data Science")).toBe("manager")
    expect(level("Sr. Data Scientist II")).toBe("senior")
    expect(level("Associate Principal Scientist")).toBe("staff")
    expect(level("Internal Audit Data Analyst")).not.toBe("intern")
  })

  it("falls back to the years asked, then to a labelled default", () => {
    expect(seniorityOf("Data Scientist", "Requires 5+ years of experience in Python.")).toMatchObject({ level: "senior", source: "years" })
    expect(seniorityOf("Data Analyst", "0-2 years of related experience")).toMatchObject({ level: "junior", source: "years" })
    expect(seniorityOf("Data Engineer", "2 to 3 years of experience in big data")).toMatchObject({ level: "mid", source: "years" })
    expect(seniorityOf("Data Scientist", "Join our team!")).toMatchObject({ level: "mid", source: "default" })
  })

  it("measures distances between levels", () => {
    expect(levelDistance("junior", "senior")).toBe(2)
    expect(levelDistance("staff", "manager")).toBe(1)
  })
})

describe("years of experience", () => {
  it("reads what a posting asks for", () => {
    expect(yearsRequired("5+ years of experience with Spark")).toEqual({ min: 5, max: null })
    expect(yearsRequired("3-5 years experience; 2+ years with Airflow")).toEqual({ min: 3, max: 5 })
    expect(yearsRequired("a minimum of three (3) years of professional experience")).toEqual({ min: 3, max: null })
    expect(yearsRequired("at least 2 yrs hands-on experience")).toEqual({ min: 2, max: null })
  })

  it("ignores years that are not experience", () => {
    expect(yearsRequired("For over 100 years, our company has served farmers.")).toBeNull()
    expect(yearsRequired("Founded 25 years ago; you must be 18 years old.")).toBeNull()
    expect(yearsRequired("Health IQ spent 6+ years gathering the science")).toBeNull()
    expect(yearsRequired("5+ years of experience (10 years of additional experience may substitute for a degree)")).toEqual({ min: 5, max: null })
  })

  it("reads what a resume states", () => {
    expect(yearsOfExperience("Data scientist with 7 years of experience building NLP products")).toBe(7)
    expect(yearsOfExperience("Biostatistician with 8 years in clinical research")).toBe(8)
    expect(yearsOfExperience("B.S. Computer Science, June 2024")).toBeNull()
  })

  it("gives a resume's seniority from its headline, then its years", () => {
    expect(seniorityOfResume("Priya Raman\nSenior Data Scientist, NLP | Boston\n\nSUMMARY").level).toBe("senior")
    expect(seniorityOfResume("Emily Chen\nSoftware Engineer (new grad) | emily@example.com").level).toBe("junior")
    expect(seniorityOfResume("Jordan Patel\nBI Analyst | jordan.lead@example.com\nBI analyst with 4 years of experience").level).toBe("mid")
  })
})
