import { describe, expect, it } from "vitest"
import { titleShape, titleSimilarity } from "./titles.js"

describe("titleSimilarity", () => {
  it("rates titles by role noun first", () => {
    const sim = (a: string, b: string) => titleSimilarity(titleShape(a), titleShape(b))
    expect(sim("Senior Data Scientist / Machine Learning", "Data Scientist")).toBeCloseTo(0.91, 2)
    expect(sim("Data Engineer", "Data Scientist")).toBeCloseTo(0.25, 2)
    expect(sim("Sr. ML Engineer II", "Machine Learning Engineer")).toBe(1)
    expect(sim("Software Developer", "Software Engineer")).toBe(1)
    expect(sim("Full-Stack Engineer – New Grad", "Full Stack Engineer")).toBe(1)
    expect(sim("Registered Nurse", "Data Analyst")).toBe(0)
  })
})
