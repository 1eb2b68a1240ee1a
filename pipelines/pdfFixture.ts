/**
 * PDFs for tests, written by hand: one Helvetica text line (or a few) per page, a complete cross-reference table
 * and nothing else, so a test controls exactly how many pages and bytes a document has. Pages with the same text
 * share one content stream, as real generators do for repeated pages; that keeps a 30,000-page document under
 * the upload cap.
 */
export const textPdf = (pages: ReadonlyArray<ReadonlyArray<string>>): Buffer => {
  const objects: Array<string> = ["<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
  const add = (object: string) => objects.push(object)
  const streams = new Map<string, number>()
  const kids = pages.map((lines) => {
    const text = lines.map((line, i) => `BT /F1 12 Tf 72 ${720 - 18 * i} Td (${line.replace(/[()\\]/g, "\\$&")}) Tj ET`).join("\n")
    let content = streams.get(text)
    if (content === undefined) {
      content = add(`<< /Length ${Buffer.byteLength(text, "latin1")} >>\nstream\n${text}\nendstream`)
      streams.set(text, content)
    }
    return add(`<< /Type /Page /Parent 2 0 R /Contents ${content} 0 R >>`)
  })
  // Size and fonts are inherited from the page tree, so each page object stays a few dozen bytes.
  objects[1] =
    `<< /Type /Pages /Count ${pages.length} /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >>\n` +
    `/Kids [${kids.map((k) => `${k} 0 R`).join(" ")}] >>`

  const chunks: Array<string> = ["%PDF-1.4\n"]
  let length = chunks[0]!.length
  const offsets = objects.map((object, i) => {
    const at = length
    const chunk = `${i + 1} 0 obj\n${object}\nendobj\n`
    chunks.push(chunk)
    length += Buffer.byteLength(chunk, "latin1")
    return at
  })
  chunks.push(`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`)
  for (const offset of offsets) chunks.push(`${String(offset).padStart(10, "0")} 00000 n \n`)
  chunks.push(`trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`)
  return Buffer.from(chunks.join(""), "latin1")
}

/** `count` pages, page n reading `${prefix} n`: every page has text of its own to extract. */
export const numberedPdf = (count: number, prefix = "Page") =>
  textPdf(Array.from({ length: count }, (_, i) => [`${prefix} ${i + 1}`]))
