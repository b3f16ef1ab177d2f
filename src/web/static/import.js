// jiefen 解纷 — the upload page's live count: the same form, sent with fetch, its NDJSON progress
// read line by line. Without script the form posts and the answer is a page.
(function () {
  'use strict';
  var form = document.querySelector('form[data-import]');
  if (!form || !window.fetch || !window.TextDecoder) return;
  var progress = document.querySelector('[data-import-progress]');
  var out = document.querySelector('[data-import-result]');
  var PHASE = { checking: '正在检查', writing: '正在写入', done: '已完成' };

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) el.className = cls;
    return el;
  }

  function show(result) {
    out.textContent = '';
    var refused = !result.dryRun && result.problems.length > 0 && result.created === 0;
    var summary = result.dryRun
      ? '试导入完成：共 ' + result.total + ' 行，可导入 ' + result.created + ' 行，已存在而跳过 ' + result.skipped + ' 行，问题 ' + result.problems.length + ' 处。未写入任何记录。'
      : refused
        ? '共 ' + result.total + ' 行，发现 ' + result.problems.length + ' 处问题，未导入任何记录。请修改后重新导入。'
        : '导入完成：共 ' + result.total + ' 行，已导入 ' + result.created + ' 行，已存在而跳过 ' + result.skipped + ' 行。';
    var box = document.createElement('div');
    box.setAttribute('data-testid', 'import-result');
    box.appendChild(text('p', summary, refused ? 'error' : 'ok'));
    if (result.problems.length) {
      var table = document.createElement('table');
      table.className = 'table';
      table.setAttribute('data-testid', 'import-problems');
      var head = table.createTHead().insertRow();
      ['行号', '列', '问题'].forEach(function (h) { head.appendChild(text('th', h)); });
      var body = table.createTBody();
      result.problems.slice(0, 1000).forEach(function (p) {
        var row = body.insertRow();
        row.appendChild(text('td', String(p.row)));
        row.appendChild(text('td', p.column || '—'));
        row.appendChild(text('td', p.message));
      });
      box.appendChild(table);
    }
    out.appendChild(box);
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var button = form.querySelector('button[type=submit]');
    button.disabled = true;
    progress.hidden = false;
    progress.textContent = '正在上传……';
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
            progress.textContent = err ? err.textContent.trim() : '导入失败（' + res.status + '）';
          });
        }
        var reader = res.body.getReader();
        var decoder = new TextDecoder();
        var buffered = '';
        function handle(line) {
          if (!line) return;
          var msg = JSON.parse(line);
          if (msg.progress) {
            var p = msg.progress;
            progress.textContent = PHASE[p.phase] + '：' + p.done + ' / ' + p.total + ' 行' + (p.phase === 'writing' ? '（已导入 ' + p.created + '，跳过 ' + p.skipped + '）' : '');
          } else if (msg.result) {
            show(msg.result);
          } else if (msg.problem) {
            progress.textContent = '无法导入：' + msg.problem.detail;
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
      .catch(function () { progress.textContent = '网络中断，导入结果未知：请刷新后用“试导入”核对（重复导入不会重复登记）。'; })
      .then(function () { button.disabled = false; });
  });
})();
