/* The submitted page: poll the ticket's status (never its result) until it is final. */
(function () {
  'use strict';
  var box = document.getElementById('ticket');
  if (!box) { return; }
  var api = window.yzt;
  var ticket = box.getAttribute('data-ticket');
  var labels = JSON.parse(box.getAttribute('data-labels'));
  var hints = JSON.parse(box.getAttribute('data-hints'));
  var text = document.getElementById('status-text');
  var hint = document.getElementById('status-hint');
  var ORDER = ['accepted', 'processing', 'delivered'];
  var FINAL = { delivered: true, failed: true };
  var started = Date.now();
  var GIVE_UP_MS = 10 * 60 * 1000;

  /* Steps reached get a tick; the step in progress is blue; a failed send marks the last. */
  function render(status) {
    box.setAttribute('data-status', status);
    document.dispatchEvent(new CustomEvent('yzt:status', { detail: status })); /* report.js */
    text.textContent = labels[status] || status;
    text.className = 'status-' + status;
    hint.textContent = hints[status] || '';
    var failed = status === 'failed';
    var reached = failed ? 1 : ORDER.indexOf(status);
    var steps = box.querySelectorAll('.progress li');
    Array.prototype.forEach.call(steps, function (item, index) {
      item.classList.toggle('reached', index <= reached);
      item.classList.toggle('current', index === reached && !FINAL[status]);
      item.classList.toggle('failed', failed && index === steps.length - 1);
      item.textContent = labels[failed && index === steps.length - 1 ? 'failed' : ORDER[index]];
    });
  }

  function poll(delay) {
    api.call('GET', '/api/v1/queries/' + encodeURIComponent(ticket)).then(function (result) {
      if (api.reloginIf401(result, function (message) { hint.textContent = message; })) { return; }
      if (result.status === 200) {
        render(result.data.status);
        if (FINAL[result.data.status]) { return; }
        delay = 1500;
      } else if (result.status === 404) {
        hint.textContent = api.errorOf(result).message;
        return;
      } else {
        delay = Math.min(delay * 2, 15000); /* the network or the server hiccups: back off */
      }
      if (Date.now() - started < GIVE_UP_MS) {
        window.setTimeout(function () { poll(delay); }, delay);
      }
    });
  }

  render(box.getAttribute('data-status'));
  if (!FINAL[box.getAttribute('data-status')]) { window.setTimeout(function () { poll(1500); }, 1000); }
})();
