/* global document, window */
// The e-paper reader, as progressive enhancement: without it, every page is a plain page with
// links to the previous and next one. With it: arrow keys turn the page, + and - zoom, 0 fits
// the page to the window, and the shared link is selected for copying. No build step; served
// from /assets/ under the site's Content-Security-Policy (script-src 'self').
(function () {
  'use strict';
  var reader = document.querySelector('[data-epaper-reader]');
  var shareUrl = document.querySelector('[data-epaper="share-url"]');
  if (shareUrl) {
    shareUrl.addEventListener('focus', function () {
      shareUrl.select();
    });
  }
  if (!reader) return;
  var frame = reader.querySelector('[data-epaper="page"]');
  var image = reader.querySelector('[data-epaper="image"]');
  var zoomControls = reader.querySelector('[data-epaper="zoom"]');
  var keys = reader.querySelector('[data-epaper="keys"]');
  var levels = [1, 1.5, 2, 3];
  var level = 0;

  function setZoom(next) {
    level = Math.max(0, Math.min(levels.length - 1, next));
    for (var i = 0; i < levels.length; i++) frame.classList.remove('zoom-' + i);
    frame.classList.add('zoom-' + level);
    frame.setAttribute('data-zoom-level', String(levels[level]));
  }

  if (frame && image) {
    setZoom(0);
    if (zoomControls) zoomControls.hidden = false;
    if (keys) keys.hidden = false;
    // A click on the page zooms in (and back out from the largest size) instead of opening the image.
    var link = image.closest('a');
    (link || image).addEventListener('click', function (event) {
      event.preventDefault();
      setZoom(level === levels.length - 1 ? 0 : level + 1);
    });
    reader.addEventListener('click', function (event) {
      var button = event.target.closest('[data-zoom]');
      if (!button) return;
      setZoom(level + (button.getAttribute('data-zoom') === 'in' ? 1 : -1));
    });
  }

  function follow(name) {
    var target = reader.querySelector('[data-epaper="' + name + '"]');
    if (target && target.href) window.location.assign(target.href);
  }

  document.addEventListener('keydown', function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var tag = event.target && event.target.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
    if (event.key === 'ArrowRight' || event.key === 'PageDown') follow('next');
    else if (event.key === 'ArrowLeft' || event.key === 'PageUp') follow('prev');
    else if (event.key === '+' || event.key === '=') setZoom(level + 1);
    else if (event.key === '-' || event.key === '_') setZoom(level - 1);
    else if (event.key === '0') setZoom(0);
    else return;
    event.preventDefault();
  });
})();
