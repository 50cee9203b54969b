/* 非本人反映 on the page of a 移动电话卡 query: once its SMS has gone, the user may choose the
   operators and the endings of their own numbers, then follow the report's status (never the
   operators' answers: those go by SMS). */
(function () {
  'use strict';
  var box = document.getElementById('report');
  if (!box) { return; }
  var api = window.yzt;
  var ticket = box.getAttribute('data-ticket');
  var groups = JSON.parse(box.getAttribute('data-groups'));
  var labels = JSON.parse(box.getAttribute('data-labels'));
  var form = document.getElementById('report-form');
  var statusBox = document.getElementById('report-status');
  var statusText = document.getElementById('report-status-text');
  var operators = document.getElementById('report-operators');
  var hint = document.getElementById('report-hint');
  var formError = document.getElementById('report-error');
  var submit = document.getElementById('submit-report');
  var started = Date.now();
  var GIVE_UP_MS = 10 * 60 * 1000;

  function setError(name, messages) {
    var el = document.getElementById('err-' + name);
    if (!el) { el = formError; }
    el.textContent = (messages || []).join(';');
    el.hidden = !el.textContent;
  }

  function clearErrors() { ['operators', 'keep'].forEach(function (n) { setError(n, []); }); setError('form', []); }

  function render(report) {
    form.hidden = true;
    box.hidden = false;
    statusBox.hidden = false;
    box.setAttribute('data-report-status', report.status);
    statusText.textContent = labels[report.status] || report.status;
    statusText.className = 'report-' + report.status;
    operators.textContent = '';
    (report.operators || []).forEach(function (op) {
      var li = document.createElement('li');
      li.setAttribute('data-operator', op.id);
      li.setAttribute('data-status', op.status);
      li.textContent = (groups[op.id] || op.id) + ':' + (labels[op.status] || op.status);
      operators.appendChild(li);
    });
  }

  function follow(report, delay) {
    api.call('GET', '/api/v1/reports/' + encodeURIComponent(report)).then(function (result) {
      if (api.reloginIf401(result, function (message) { hint.textContent = message; })) { return; }
      if (result.status === 200) {
        render(result.data);
        if (result.data.status === 'answered') { return; }
        delay = 2000;
      } else if (result.status === 404) {
        hint.textContent = api.errorOf(result).message;
        return;
      } else {
        delay = Math.min(delay * 2, 15000);
      }
      if (Date.now() - started < GIVE_UP_MS) {
        window.setTimeout(function () { follow(report, delay); }, delay);
      }
    });
  }

  function chosen() {
    return Array.prototype.filter.call(form.querySelectorAll('input[name="operator"]'),
      function (input) { return input.checked; }).map(function (input) { return input.value; });
  }

  /* "8000 1234", "8000,1234" or "８０００、1234": the API checks each ending */
  function endings() {
    var raw = document.getElementById('report-keep').value.trim();
    return raw ? raw.split(/[\s,，、;；]+/).filter(Boolean) : [];
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    clearErrors();
    var picked = chosen();
    if (!picked.length) { setError('operators', ['请至少选择一个运营商']); return; }
    submit.disabled = true;
    var body = { operators: picked, keep: endings() };
    api.call('POST', '/api/v1/queries/' + encodeURIComponent(ticket) + '/reports', body)
      .then(function (result) {
        submit.disabled = false;
        if (api.reloginIf401(result, function (message) { setError('form', [message]); })) { return; }
        if (result.status === 202) {
          box.setAttribute('data-report', result.data.report);
          hint.textContent = result.data.message;
          render({
            status: result.data.status,
            operators: picked.map(function (id) { return { id: id, status: result.data.status }; })
          });
          window.setTimeout(function () { follow(result.data.report, 1500); }, 1000);
          return;
        }
        var error = api.errorOf(result);
        if (error.fields) {
          Object.keys(error.fields).forEach(function (name) { setError(name, error.fields[name]); });
        } else {
          setError('form', [error.message]);
        }
      });
  });

  /* The form appears once the result SMS has gone (status.js says when). */
  function offer(status) {
    if (status === 'delivered' && box.getAttribute('data-may-report') && !box.getAttribute('data-report')) {
      box.hidden = false;
      form.hidden = false;
    }
  }
  document.addEventListener('yzt:status', function (event) { offer(event.detail); });
  var ticketBox = document.getElementById('ticket');
  if (ticketBox) { offer(ticketBox.getAttribute('data-status')); }

  var existing = box.getAttribute('data-report');
  if (existing) { box.hidden = false; statusBox.hidden = false; follow(existing, 1500); }
})();
