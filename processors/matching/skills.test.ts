import { describe, expect, it } from "vitest"
import { loadLabels } from "./labels.js"
import { extractSkills, matchSkills, resolveSkill, skillName, SKILLS, withImplied } from "./skills.js"

const skills = (text: string) => [...extractSkills(text)].sort()

describe("the vocabulary", () => {
  it("has 250+ skills across every category, with unique lower-case ids", () => {
    expect(SKILLS.length).toBeGreaterThanOrEqual(250)
    expect(new Set(SKILLS.map((s) => s.id)).size).toBe(SKILLS.length)
    for (const s of SKILLS) expect(s.id).toMatch(/^[a-z0-9][a-z0-9-]*$/)
    const categories = new Set(SKILLS.map((s) => s.category))
    expect([...categories].sort()).toEqual(["cloud_devops", "data_ml", "database", "framework", "language", "method", "tool"])
  })

  it("resolves what people type to canonical ids", () => {
    expect(resolveSkill("Golang")).toBe("go")
    expect(resolveSkill("K8s")).toBe("kubernetes")
    expect(resolveSkill("postgres")).toBe("postgresql")
    expect(resolveSkill("psql")).toBe("postgresql")
    expect(resolveSkill("R")).toBe("r")
    expect(resolveSkill("js")).toBe("javascript")
    expect(resolveSkill("sklearn")).toBe("scikit-learn")
    expect(resolveSkill("Machine Learning")).toBe("machine-learning")
    expect(resolveSkill("node.js")).toBe("nodejs")
    expect(resolveSkill("ci-cd")).toBe("ci-cd")
    expect(resolveSkill("underwater basket weaving")).toBeUndefined()
    expect(skillName("postgresql")).toBe("PostgreSQL")
  })
})

describe("extractSkills", () => {
  it("folds aliases to canonical ids", () => {
    expect(skills("k8s, golang and postgres")).toEqual(["go", "kubernetes", "postgresql", "sql"])
    expect(skills("Strong JS and TypeScript")).toEqual(["javascript", "typescript"])
    expect(skills("sklearn, scikit-learn or scikit learn")).toEqual(["machine-learning", "scikit-learn"])
    expect(skills("ML engineer, NLP, natural language processing")).toEqual(["machine-learning", "nlp"])
    expect(skills("psql on AWS")).toEqual(["aws", "postgresql", "sql"])
  })

  it("keeps the punctuation that is part of a name", () => {
    expect(skills("C++, C# and .NET")).toEqual(["cpp", "csharp", "dotnet"])
    expect(skills("Node.js services with CI/CD")).toEqual(["ci-cd", "javascript", "nodejs"])
    expect(skills("C/C++ on Linux")).toEqual(["c", "cpp", "linux"])
    expect(skills("A/B testing and experimentation")).toEqual(["a-b-testing", "experimental-design"])
    expect(skills("Python-based ETL")).toEqual(["etl", "python"])
    expect(skills("C++/Java")).toEqual(["cpp", "java"])
  })

  it("finds one-letter and ordinary-word names in a technical context", () => {
    expect(skills("Python, R, SAS")).toEqual(["python", "r", "sas"])
    expect(skills("Experience in R.")).toEqual(["r"])
    expect(skills("R programming")).toEqual(["r"])
    expect(skills("services written in Go")).toEqual(["go"])
    expect(skills("Go or Rust")).toEqual([])
    expect(skills("Python/R")).toEqual(["python", "r"])
    expect(skills("Keras, TF and PyTorch")).toEqual(["deep-learning", "keras", "machine-learning", "pytorch", "tensorflow"])
    expect(skills("AWS (S3, EMR, Redshift)")).toEqual(["aws", "emr", "redshift", "s3", "spark", "sql"])
  })

  it("ignores the classic false positives", () => {
    expect(skills("We want a go-getter. Go above and beyond!")).toEqual([])
    expect(skills("Our R&D team in Section R of Plan B")).toEqual([])
    expect(skills("Vitamin C and D3, 10 mL per dose")).toEqual([])
    expect(skills("DBT therapy at the helm of the clinic")).toEqual([])
    expect(skills("a spark of curiosity; you will excel in a fast-paced team. Excel at everything")).toEqual([])
    expect(skills("TF-CBT certified counselor; TS/SCI clearance")).toEqual([])
    expect(skills("electronic medical records (EMR) and claims")).toEqual([])
    expect(skills("regression testing of the release")).toEqual([])
    expect(skills("reporting to the Director")).toEqual([])
    expect(skills("S3 Information Security Policy")).toEqual(["security"])
  })

  it("adds what a skill implies", () => {
    expect(withImplied("pytorch")).toEqual(["pytorch", "deep-learning", "machine-learning"])
    expect(skills("Spring Boot")).toEqual(["java", "spring"])
  })

  it("gives offsets into the text", () => {
    const text = "Use Node.js and k8s."
    expect(matchSkills(text).map((m) => text.slice(m.start, m.end))).toEqual(["Node.js", "k8s"])
  })

  it("is fast enough to run on every posting", () => {
    const descriptions = loadLabels().postings.map((p) => p.description)
    for (const d of descriptions) extractSkills(d)
    const started = performance.now()
    for (let r = 0; r < 5; r++) for (const d of descriptions) extractSkills(d)
    const perPosting = (performance.now() - started) / (5 * descriptions.length)
    // About 0.2 ms on a loaded 2-core machine; the bound leaves room for slow CI runners.
    expect(perPosting).toBeLessThan(3)
  })
})
