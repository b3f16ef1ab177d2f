// jiefen 解纷 — small enhancements; every page works without them.
(function () {
  'use strict';

  // A form handed back after signing in again is the answer to the sign-in: show its own address.
  var url = document.body.getAttribute('data-url');
  if (url && url.charAt(0) === '/' && window.history && history.replaceState) history.replaceState(null, '', url);

  // 返回修改 on a refusal page: back in history, where the browser keeps what was typed in the form.
  document.querySelectorAll('[data-history-back]').forEach(function (link) {
    link.addEventListener('click', function (event) {
      if (window.history.length > 1) {
        event.preventDefault();
        history.back();
      }
    });
  });

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

  // Instalments (分期履行安排): rows added and removed in place, the total kept live against the
  // agreed amount. The words come from the page (data-word-*); without script the server sums.
  document.querySelectorAll('[data-installments]').forEach(function (box) {
    var name = box.getAttribute('data-installments');
    var list = box.querySelector('.inst-rows');
    var totalBox = box.querySelector('[data-installments-total]');
    var form = box.closest('form');
    var agreed = form ? form.querySelector('[name="' + box.getAttribute('data-agreed') + '"]') : null;
    var add = box.querySelector('[data-add-row]');
    var sum = box.querySelector('[data-sum-rows]');
    if (!list || !totalBox || !add) return;
    if (sum) sum.hidden = true;
    var word = function (key, map) {
      var w = totalBox.getAttribute('data-word-' + key) || '';
      Object.keys(map || {}).forEach(function (k) { w = w.replace('{' + k + '}', map[k]); });
      return w;
    };
    // Yuan as typed ("3,000", "¥3,000元") to fen, as the server reads the claim amount; null if unreadable.
    var fen = function (text) {
      var t = String(text).replace(/[¥,，\s]/g, '').replace(/元$/, '');
      if (!/^(0|[1-9]\d{0,11})(\.\d{1,2})?$/.test(t)) return null;
      var parts = t.split('.');
      return Number(parts[0]) * 100 + Number(((parts[1] || '') + '00').slice(0, 2));
    };
    var yuan = function (f) {
      return '¥' + String(Math.floor(f / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',') + '.' + ('0' + (f % 100)).slice(-2);
    };
    var rows = function () { return list.querySelectorAll('.inst-row'); };
    var update = function () {
      var total = 0;
      var count = 0;
      var unread = [];
      var all = rows();
      all.forEach(function (row, i) {
        row.querySelector('.inst-no').textContent = word('row', { n: i + 1 });
        row.querySelector('[data-remove-row]').hidden = all.length < 2;
        var date = row.querySelector('[name$=".dueDate"]').value.trim();
        var amount = row.querySelector('[name$=".amount"]').value.trim();
        if (!date && !amount) return;
        count++;
        if (!amount) return;
        var f = fen(amount);
        if (f === null) unread.push(word('row', { n: i + 1 }));
        else total += f;
      });
      totalBox.querySelector('[data-total]').textContent = yuan(total);
      totalBox.querySelector('[data-count]').textContent = word('count', { n: count });
      var compare = totalBox.querySelector('[data-compare]');
      var want = agreed && agreed.value.trim() ? fen(agreed.value) : null;
      compare.hidden = count === 0;
      compare.className = 'compare' + (want === null ? '' : want === total ? ' ok' : ' warn');
      compare.textContent =
        want === null ? word('no-agreed') : want === total ? word('matches') : want > total ? word('short', { x: yuan(want - total) }) : word('over', { x: yuan(total - want) });
      var bad = totalBox.querySelector('[data-unread]');
      bad.hidden = unread.length === 0;
      bad.textContent = unread.length ? word('unread', { rows: unread.join('、') }) : '';
    };
    add.addEventListener('click', function (event) {
      event.preventDefault();
      var all = rows();
      var last = all[all.length - 1];
      var next = 0;
      all.forEach(function (row) { next = Math.max(next, Number(row.getAttribute('data-row')) + 1); });
      var copy = last.cloneNode(true);
      copy.setAttribute('data-row', String(next));
      copy.querySelectorAll('input').forEach(function (el) {
        el.name = el.name.replace(/\.\d+\./, '.' + next + '.');
        el.id = el.id.replace(/_\d+_/, '_' + next + '_');
        el.value = '';
        el.removeAttribute('aria-invalid');
        el.removeAttribute('aria-describedby');
      });
      copy.querySelectorAll('.field-error').forEach(function (el) { el.remove(); });
      copy.querySelectorAll('.has-error').forEach(function (el) { el.classList.remove('has-error'); });
      last.after(copy);
      update();
      copy.querySelector('input').focus();
    });
    list.addEventListener('click', function (event) {
      var button = event.target.closest && event.target.closest('[data-remove-row]');
      if (!button || rows().length < 2) return;
      button.closest('.inst-row').remove();
      update();
    });
    box.addEventListener('input', update);
    if (agreed) agreed.addEventListener('input', update);
    update();
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
