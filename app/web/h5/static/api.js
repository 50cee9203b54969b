/* The JSON API as the pages use it: same origin, session cookie, every answer as {status, data}. */
window.yzt = (function () {
  'use strict';
  var NETWORK_ERROR = { error: { code: 'network', message: '网络异常,请检查网络后重试' } };

  function call(method, path, body) {
    var options = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      return response.json().then(
        function (data) { return { status: response.status, data: data }; },
        function () { return { status: response.status, data: NETWORK_ERROR }; }
      );
    }, function () { return { status: 0, data: NETWORK_ERROR }; });
  }

  function errorOf(result) {
    return (result.data && result.data.error) || NETWORK_ERROR.error;
  }

  /* A 401 means the session ended: reloading the page goes through WeChat login again. */
  function reloginIf401(result, show) {
    if (result.status !== 401) { return false; }
    show('登录已失效,正在重新进入…');
    window.setTimeout(function () { window.location.reload(); }, 1200);
    return true;
  }

  /* 429's retry_after in words, rounded down to the minute: 86340 -> 请23小时59分钟后再试 */
  function waitInWords(seconds) {
    var s = Math.max(1, Math.floor(seconds));
    if (s < 60) { return '请' + s + '秒后再试'; }
    var minutes = Math.floor(s / 60);
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    return '请' + (hours ? hours + '小时' : '') + (minutes ? minutes + '分钟' : '') + '后再试';
  }

  return { call: call, errorOf: errorOf, reloginIf401: reloginIf401, waitInWords: waitInWords };
})();
