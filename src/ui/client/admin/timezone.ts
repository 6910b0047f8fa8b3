/** Sets the `tz` cookie from the browser, once and whenever it changes; dates use it from the next page on. */
export function rememberTimeZone(): void {
  try {
    const z = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (z && !document.cookie.includes(`tz=${encodeURIComponent(z)}`)) {
      // biome-ignore lint/suspicious/noDocumentCookie: one plain cookie; the Cookie Store API is not in every browser
      document.cookie = `tz=${encodeURIComponent(z)};path=/;max-age=31536000;samesite=lax`;
    }
  } catch {
    /* no Intl time zone: the newsletter's zone is used */
  }
}
