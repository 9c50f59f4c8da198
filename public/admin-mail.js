/* global document, HTMLFormElement */
// The mail template page's live preview: while the copy is typed, the form is posted to
// /admin/mail/:name/preview and the preview panel replaced by the server's rendering of it (the
// HTML part stays in a sandboxed frame). Without this script the Preview button does the same
// with a page load.
const form = document.getElementById('mail-form');
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
      const panel = document.getElementById('mail-preview');
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
