// jiefen 解纷 — the committee dashboard's charts, drawn with the ECharts served by this server.
// The data (already labelled in Chinese) is in <script type="application/json" id="report-data">.
(function () {
  'use strict';
  var source = document.getElementById('report-data');
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent || '{}');
  var number = function (v) { return v == null ? '—' : Number(v).toLocaleString('zh-CN'); };
  var palette = ['#8f1d21', '#1f4e8c', '#1d7a46', '#a15c07', '#6941c6', '#0e7490', '#b42318', '#475467'];
  var charts = [];

  // Every legend entry is shown (no scrolling legend hiding some), each with its own colour, so
  // the legend names exactly what the chart draws.
  function pie(d) {
    return {
      color: palette,
      tooltip: { trigger: 'item', formatter: '{b}：{c}（{d}%）' },
      legend: { bottom: 0, itemGap: 8, data: d.items.map(function (i) { return i.name; }) },
      series: [{ type: 'pie', name: d.title, radius: ['34%', '62%'], center: ['50%', '40%'], label: { position: 'inside', formatter: '{c}', color: '#fff', fontWeight: 'bold' }, data: d.items }],
    };
  }

  // No axis label is ever dropped: every category is labelled, wrapped to its share of the width,
  // and turned when even a wrapped label would not fit.
  function categoryLabels(el, d) {
    var share = Math.max(24, Math.floor((el.clientWidth - 60) / Math.max(1, d.categories.length)) - 6);
    var narrow = share < 56;
    return { interval: 0, hideOverlap: false, width: narrow ? 96 : share, overflow: narrow ? 'truncate' : 'break', rotate: narrow ? 40 : 0, ellipsis: '…' };
  }

  function bar(d, percent, el) {
    return {
      color: palette,
      tooltip: { trigger: 'axis', valueFormatter: percent ? function (v) { return v == null ? '—' : v + '%'; } : undefined },
      legend: d.series.length > 1 ? { bottom: 0 } : undefined,
      grid: { left: 8, right: 16, top: 16, bottom: d.series.length > 1 ? 36 : 8, containLabel: true },
      xAxis: { type: 'category', data: d.categories, axisLabel: categoryLabels(el, d) },
      yAxis: percent ? { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } } : { type: 'value', minInterval: 1, axisLabel: { formatter: number } },
      series: d.series.map(function (s) {
        return {
          type: 'bar', name: s.name, data: s.data, barMaxWidth: 42,
          label: { show: true, position: 'top', formatter: function (p) { return percent ? p.value + '%' : number(p.value); } },
        };
      }),
    };
  }

  document.querySelectorAll('[data-chart]').forEach(function (el) {
    var d = data[el.getAttribute('data-chart')];
    if (!d) return;
    var empty = d.type === 'pie' ? !d.items.length : !d.categories.length;
    if (empty) {
      el.textContent = data.noData;
      el.className += ' muted';
      return;
    }
    var chart = window.echarts.init(el, null, { renderer: 'svg' });
    chart.setOption(d.type === 'pie' ? pie(d) : bar(d, d.type === 'rate', el));
    charts.push(chart);
  });
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
