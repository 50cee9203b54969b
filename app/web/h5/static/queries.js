/* 我的查询: the caller's tickets of the last 7 days (GET /api/v1/queries), status only. */
(function () {
  'use strict';
  var box = document.getElementById('queries');
  if (!box) { return; }
  var api = window.yzt;
  var labels = JSON.parse(box.getAttribute('data-labels'));
  var services = JSON.parse(box.getAttribute('data-services'));
  var base = box.getAttribute('data-base');
  var list = document.getElementById('query-list');
  var status = document.getElementById('queries-status');

  /* 2026-11-30T09:05:00+08:00 -> 11月30日 09:05 (China time, as the API gives it) */
  function when(iso) {
    var m = /^\d{4}-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || '');
    return m ? Number(m[1]) + '月' + Number(m[2]) + '日 ' + m[3] + ':' + m[4] : '';
  }

  function item(query) {
    var li = document.createElement('li');
    var link = document.createElement('a');
    link.href = base + '/' + encodeURIComponent(query.ticket);
    link.className = 'query-item';
    link.setAttribute('data-ticket', query.ticket);
    var title = document.createElement('span');
    title.textContent = (services[query.service] || query.service) + ' · ' + query.phone_masked;
    var detail = document.createElement('span');
    detail.className = 'muted';
    detail.textContent = when(query.created_at) + ' ' + (labels[query.status] || query.status) +
      (query.reportable ? ' · 可反映' : '');
    var text = document.createElement('span');
    text.className = 'query-text';
    text.appendChild(title);
    text.appendChild(detail);
    link.appendChild(text);
    li.appendChild(link);
    return li;
  }

  api.call('GET', '/api/v1/queries').then(function (result) {
    if (api.reloginIf401(result, function (message) { status.textContent = message; })) { return; }
    if (result.status !== 200) {
      status.textContent = api.errorOf(result).message;
      return;
    }
    var queries = result.data.queries || [];
    queries.forEach(function (query) { list.appendChild(item(query)); });
    list.hidden = queries.length === 0;
    status.textContent = queries.length ? '' : '近7天没有查询记录。';
    status.hidden = queries.length > 0;
  });
})();
