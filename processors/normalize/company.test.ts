import { describe, expect, it } from "vitest"
import { cleanCompanyName, companyKey } from "./company.js"

describe("companyKey", () => {
  it.each([
    ["Tecolote Research, Inc.", "tecolote-research"],
    ["Tecolote Research\n3.8", "tecolote-research"],
    ["Karyopharm Therapeutics Inc.", "karyopharm-therapeutics"],
    ["Remedy BPCI Partners, LLC.", "remedy-bpci-partners"],
    ["Oportun. Inc", "oportun"],
    ["Adyen N.V.", "adyen"],
    ["HP Inc.", "hp"],
    ["The Hanover Insurance Group", "hanover-insurance-group"],
    ["L&T Infotech", "l-t-infotech"],
    ["Logic20/20", "logic20-20"],
    ["<intent>\n4.6", "intent"],
    ["Société Générale S.A.", "societe-generale"],
    ["Müller GmbH & Co. KG", "muller"],
    ["Acme Pty Ltd", "acme"],
    ["Nordisk A/S", "nordisk"],
    ["SAP SE", "sap"],
    ["Ford Motor Company", "ford-motor"],
    ["Macy's", "macys"],
    ["Truckstop.com", "truckstopcom"],
    ["Яндекс", "яндекс"],
    ["Inc.", "inc"],
    ["!!!", ""]
  ])("%j -> %j", (name, key) => {
    expect(companyKey(name)).toBe(key)
  })

  it("gives spelling variants of one company the same key", () => {
    expect(companyKey("Blue Cross & Blue Shield of Rhode Island")).toBe(companyKey("Blue Cross and Blue Shield of Rhode Island"))
    expect(companyKey("U.S. Bank")).toBe(companyKey("US Bank"))
    expect(companyKey("Walt Disney Co.")).toBe(companyKey("The Walt Disney Company"))
    expect(companyKey("ACME CORP")).toBe(companyKey("Acme Corporation"))
    expect(companyKey("NCR Voyix")).toBe(companyKey("NCR"))
    expect(companyKey("Meta Platforms, Inc.")).toBe(companyKey("Facebook"))
    expect(companyKey("NCR Atleos")).not.toBe(companyKey("NCR"))
  })

  it("cleans company names for display", () => {
    expect(cleanCompanyName("Tecolote Research\n3.8")).toBe("Tecolote Research")
    expect(cleanCompanyName("  AT&amp;T  ")).toBe("AT&T")
    expect(cleanCompanyName("<intent>\n4.6")).toBe("<intent>")
  })
})
