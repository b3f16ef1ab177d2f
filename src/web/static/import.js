// jiefen 解纷 — the upload page's live count: the same form, sent with fetch, its NDJSON progress
// read line by line. Without script the form posts and the answer is a page.
(function () {
  'use strict';
  var form = document.querySelector('form[data-import]');
  if (!form || !window.fetch || !window.TextDecoder) return;
  var progress = document.querySelector('[data-import-progress]');
  var out = document.querySelector('[data-import-result]');
  // The page's words (IMPORT_UI.live in src/words.ts); progress lines and the result come worded by the server.
  var WORDS = JSON.parse(progress.getAttribute('data-words') || '{}');

  function show(html) {
    // The server's rendering of the result (the same as the page without script), escaped there.
    out.innerHTML = html;
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var button = form.querySelector('button[type=submit]');
    button.disabled = true;
    progress.hidden = false;
    progress.textContent = WORDS.uploading;
    out.textContent = '';
    fetch(form.action, { method: 'POST', body: new FormData(form), headers: { accept: 'application/x-ndjson' }, credentials: 'same-origin' })
      .then(function (res) {
        // The session ran out: post the form as a page, so the sign-in page keeps the choices made.
        if (res.status === 401) {
          form.submit();
          return;
        }
        if (!res.ok || !/ndjson/.test(res.headers.get('content-type') || '')) {
          return res.text().then(function (html) {
            var doc = new DOMParser().parseFromString(html, 'text/html');
            var err = doc.querySelector('.error-box') || doc.querySelector('main');
            progress.textContent = err ? err.textContent.trim() : WORDS.failed.replace('{status}', String(res.status));
          });
        }
        var reader = res.body.getReader();
        var decoder = new TextDecoder();
        var buffered = '';
        function handle(line) {
          if (!line) return;
          var msg = JSON.parse(line);
          if (msg.progress) {
            progress.textContent = msg.text;
          } else if (msg.result) {
            show(msg.html);
          } else if (msg.problem) {
            progress.textContent = WORDS.cannot + msg.problem.detail;
          }
        }
        function pump() {
          return reader.read().then(function (r) {
            if (r.done) { handle(buffered); return; }
            buffered += decoder.decode(r.value, { stream: true });
            var lines = buffered.split('\n');
            buffered = lines.pop();
            lines.forEach(handle);
            return pump();
          });
        }
        return pump();
      })
      .catch(function () { progress.textContent = WORDS.networkLost; })
      .then(function () { button.disabled = false; });
  });
})();
