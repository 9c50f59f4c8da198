/* global document, HTMLFormElement */
// The live preview of the admin's copy forms (the paywall page, a mail template's page): while
// the copy is typed, the form is posted to its `data-preview` address and the element named by
// `data-preview-panel` replaced by the server's rendering of it (the copy is checked and cleaned
// there, as it is when saved). Without this script the Preview button does the same with a page
// load.
for (const form of document.querySelectorAll('form[data-preview][data-preview-panel]')) {
  if (!(form instanceof HTMLFormElement)) continue;
  const url = form.dataset.preview;
  const panelId = form.dataset.previewPanel;
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
      const panel = document.getElementById(panelId);
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
