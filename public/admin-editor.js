/* global document, HTMLFormElement, HTMLTextAreaElement */
// The article editor's live preview: while the body is typed (or its format changed), the body
// is posted to /admin/articles/preview and the preview panel replaced by the server's rendering
// of it: the Markdown rendered and the result cleaned exactly as a save cleans it. Without this
// script the Preview button does the same with a page load. It also sends where the cursor is
// when the form is posted, so that an uploaded image goes in there rather than at the end.
const form = document.getElementById('article-form');
const body = document.getElementById('body');
if (form instanceof HTMLFormElement && body instanceof HTMLTextAreaElement && form.dataset.preview) {
  const url = form.dataset.preview;
  const status = document.getElementById('preview-status');
  const say = (text) => {
    if (status) status.textContent = text;
  };
  let timer;
  let latest = 0;
  const refresh = async () => {
    const ticket = ++latest;
    const format = form.querySelector('input[name="format"]:checked');
    const payload = new URLSearchParams({ format: format ? format.value : 'markdown', body: body.value });
    try {
      const response = await fetch(url, { method: 'POST', body: payload, credentials: 'same-origin' });
      // An answer to an older keystroke must not replace a newer one.
      if (ticket !== latest || (response.status !== 200 && response.status !== 422)) return;
      const panel = document.getElementById('article-preview');
      if (panel) panel.outerHTML = await response.text();
      say(response.status === 200 ? 'Preview updated.' : 'Preview: nothing to show yet.');
    } catch {
      // Offline or signed out: the Preview button still works.
    }
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 500);
  };
  body.addEventListener('input', later);
  for (const choice of form.querySelectorAll('input[name="format"]'))
    choice.addEventListener('change', later);
  // Only a cursor the editor placed counts: an untouched body takes an image at its end.
  let placed = false;
  body.addEventListener('focus', () => {
    placed = true;
  });
  form.addEventListener('submit', () => {
    const cursor = form.querySelector('input[name="cursor"]');
    if (cursor && placed) cursor.value = String(body.selectionStart);
  });
  if (body.value.trim() !== '' && !document.querySelector('#article-preview .article-body')) refresh();
}
