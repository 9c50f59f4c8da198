/* global document, HTMLFormElement */
// The paywall page's live preview: while the copy is typed, the form is posted to
// /admin/paywall/preview and the preview panel replaced by the server's rendering of it (the
// copy is checked and cleaned there, exactly as on the reader site). Without this script the
// Preview button does the same with a page load.
const form = document.getElementById('paywall-form');
if (form instanceof HTMLFormElement && form.dataset.preview) {
  const url = form.dataset.preview;
  let timer;
  let latest = 0;
  const refresh = async () => {
    const ticket = ++latest;
    const body = new URLSearchParams(new FormData(form));
    body.delete('intent');
    try {
      const response = await fetch(url, { method: 'POST', body, credentials: 'same-origin' });
      // An answer to an older keystroke must not replace a newer one.
      if (ticket !== latest || (response.status !== 200 && response.status !== 422)) return;
      const panel = document.getElementById('paywall-preview');
      if (panel) panel.outerHTML = await response.text();
    } catch {
      // Offline or signed out: the Preview button still works.
    }
  };
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 500);
  });
}
