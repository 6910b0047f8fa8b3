/** A confirmation for dangerous buttons (`data-confirm`), and selects that submit their form on change (`data-autosubmit`). */
export function startForms(): void {
  document.addEventListener('submit', (e) => {
    const form = e.target as HTMLFormElement | null;
    const question = form?.getAttribute?.('data-confirm');
    if (question && !window.confirm(question)) e.preventDefault();
  });
  document.addEventListener('change', (e) => {
    const el = e.target as HTMLSelectElement | null;
    if (el?.getAttribute?.('data-autosubmit') !== null && el?.form) el.form.submit();
  });
}
