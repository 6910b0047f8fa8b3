/** Keeps each article image's thumbnail in step with its address and alt text while the editor types. */
export function startImageFields(): void {
  document.addEventListener('input', (e) => {
    const el = e.target as HTMLElement | null;
    const box = el?.closest?.('[data-image-field]');
    if (!box) return;
    const url = (box.querySelector('[data-image-url]') as HTMLInputElement).value.trim();
    const alt = (box.querySelector('[data-image-alt]') as HTMLInputElement).value;
    const thumb = box.querySelector('.image-thumb') as HTMLElement;
    if (!/^https?:\/\/\S+$/i.test(url)) return;
    let img = thumb.querySelector('img');
    if (!img) {
      thumb.textContent = '';
      img = document.createElement('img');
      img.width = 96;
      img.referrerPolicy = 'no-referrer';
      thumb.appendChild(img);
    }
    if (img.getAttribute('src') !== url) img.src = url;
    img.alt = alt;
    thumb.removeAttribute('aria-hidden');
  });
}
