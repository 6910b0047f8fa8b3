/**
 * The data rows a CSV probably holds, from one pass counting its lines that are not blank, less
 * the header: for a percentage. A header and 201 rows are 201, with or without a final line break,
 * with CRLF or blank lines at the end (a quoted field with line breaks makes it an overestimate,
 * never a stall). Shared by the server (a multipart upload, in memory) and the admin's import
 * script (which counts the file before streaming it, so the server never holds it whole).
 */
export async function countDataRows(stream: ReadableStream<Uint8Array>): Promise<number> {
  let lines = 0;
  let filled = false;
  const reader = stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    for (const b of r.value) {
      if (b === 10) {
        if (filled) lines++;
        filled = false;
      } else if (b !== 13 && b !== 32 && b !== 9) filled = true;
    }
  }
  if (filled) lines++;
  return Math.max(1, lines - 1);
}
