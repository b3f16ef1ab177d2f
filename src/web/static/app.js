// jiefen 解纷 — small enhancements; every page works without them.
(function () {
  'use strict';

  // A form handed back after signing in again is the answer to the sign-in: show its own address.
  var url = document.body.getAttribute('data-url');
  if (url && url.charAt(0) === '/' && window.history && history.replaceState) history.replaceState(null, '', url);

  // New case: add another party row (without script the form has three rows).
  document.querySelectorAll('[data-parties]').forEach(function (box) {
    var button = box.querySelector('[data-add-party]');
    var count = box.querySelector('[data-party-count]');
    if (!button || !count) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      var rows = box.querySelectorAll('[data-party-row]');
      var last = rows[rows.length - 1];
      var n = rows.length;
      var copy = last.cloneNode(true);
      copy.setAttribute('data-party-row', String(n));
      copy.querySelectorAll('[name]').forEach(function (el) {
        el.name = el.name.replace(/^parties\.\d+\./, 'parties.' + n + '.');
        el.id = el.id.replace(/parties_\d+_/, 'parties_' + n + '_');
        if (el.tagName === 'SELECT') el.value = 'respondent';
        else el.value = '';
        el.removeAttribute('aria-invalid');
      });
      copy.querySelectorAll('label[for]').forEach(function (el) {
        el.htmlFor = el.htmlFor.replace(/parties_\d+_/, 'parties_' + n + '_');
      });
      copy.querySelectorAll('.field-error').forEach(function (el) { el.remove(); });
      copy.querySelectorAll('.has-error').forEach(function (el) { el.classList.remove('has-error'); });
      last.after(copy);
      count.value = String(n + 1);
      var first = copy.querySelector('input');
      if (first) first.focus();
    });
  });

  // Filters: a changed select runs the query at once.
  document.querySelectorAll('form[data-autosubmit] select').forEach(function (el) {
    el.addEventListener('change', function () {
      var cursor = el.form.querySelector('[name=cursor]');
      if (cursor) cursor.remove();
      el.form.submit();
    });
  });

  // A form submits once; the server would replay a second submit anyway (idempotency key).
  document.querySelectorAll('form[method=post]').forEach(function (form) {
    form.addEventListener('submit', function () {
      setTimeout(function () {
        form.querySelectorAll('button[type=submit]').forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });

  // The first field with an error gets the focus.
  var invalid = document.querySelector('[aria-invalid=true]');
  if (invalid && invalid.focus) invalid.focus();
})();
