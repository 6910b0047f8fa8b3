/**
 * Header values that must be ASCII on the wire: a header carries no charset, so a newsletter
 * name in Chinese goes as RFC 2047 encoded-words (`=?UTF-8?B?…?=`), which mail clients decode.
 */

/** Encoded-words of at most 75 characters each (RFC 2047 §2), split on character boundaries, joined by folding-safe spaces. */
export function encodeWords(text: string): string {
  const utf8 = new TextEncoder();
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    // 45 bytes of UTF-8 become 60 base64 characters: "=?UTF-8?B?" + 60 + "?=" is 72.
    if (utf8.encode(chunk + ch).length > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${base64(w)}?=`).join(' ');
}

function base64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/**
 * `List-Id: <phrase> <id>` (RFC 2919). The phrase is the newsletter's name: as it is when it is
 * plain ASCII (quoted if it holds specials), encoded-words otherwise; nothing that could end the header.
 */
export function listIdHeader(name: string, id: string): string {
  const clean = name
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!clean) return `<${id}>`;
  if (/^[\x20-\x7e]+$/.test(clean)) {
    const phrase = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/.test(clean) ? clean : `"${clean.replace(/["\\]/g, '\\$&')}"`;
    return `${phrase} <${id}>`;
  }
  return `${encodeWords(clean)} <${id}>`;
}
