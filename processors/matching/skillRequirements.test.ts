import { describe, expect, it } from "vitest"
import { loadLabels } from "./labels.js"
import { mustHaveSkills } from "./skillRequirements.js"

describe("mustHaveSkills", () => {
  it("separates required and nice-to-have sections", () => {
    const text = [
      "About us",
      "We use Kafka and Terraform every day.",
      "Requirements:",
      "• 3+ years of Python and SQL",
      "• Experience with Kubernetes",
      "Nice to have:",
      "• Go or Rust",
      "• Experience with Airflow"
    ].join("\n")
    const { required, preferred } = mustHaveSkills(text)
    expect([...required].sort()).toEqual(["kubernetes", "python", "sql"])
    expect([...preferred].sort()).toEqual(["airflow"])
  })

  it("reads the headings postings use", () => {
    for (const [heading, kind] of [
      ["Basic Qualifications", "required"],
      ["Minimum qualifications:", "required"],
      ["Must have", "required"],
      ["What you'll need", "required"],
      ["Preferred Qualifications", "preferred"],
      ["Bonus points", "preferred"],
      ["Responsibilities", "neither"]
    ] as const) {
      const { required, preferred } = mustHaveSkills(`${heading}\nExperience with Tableau`)
      expect([required.has("tableau") ? "required" : preferred.has("tableau") ? "preferred" : "neither", heading]).toEqual([kind, heading])
    }
  })

  it("lets a line's own words override its section", () => {
    const text = "Requirements:\nStrong SQL\nStatistical analysis with R not required, but a plus.\nSpark is a must"
    const { required, preferred } = mustHaveSkills(text)
    expect([...required].sort()).toEqual(["spark", "sql"])
    expect([...preferred].sort()).toEqual(["r", "statistics"])
    // A parenthesis that picks among required tools does not make them optional.
    expect([...mustHaveSkills("Required Skills:\nProficient in SAS, R (SAS preferred).").required].sort()).toEqual(["r", "sas"])
  })

  it("works on a real posting", () => {
    const posting = loadLabels().postings.find((p) => p.id === "gd-129")!
    const { required, preferred } = mustHaveSkills(posting.description)
    expect(required.has("spark")).toBe(true)
    expect(required.has("airflow")).toBe(true)
    expect([...preferred].sort()).toEqual(["docker", "ec2", "kubernetes", "terraform"])
  })
})
