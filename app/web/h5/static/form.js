/* The two query forms: light checks, then the API decides. Its field messages (error.fields)
   are shown next to the fields, exactly as the API words them. */
(function () {
  'use strict';
  var form = document.getElementById('query-form');
  if (!form) { return; }
  var api = window.yzt;
  var service = form.getAttribute('data-service');
  var sendButton = document.getElementById('send-code');
  var submitButton = document.getElementById('submit-query');
  var codeStatus = document.getElementById('code-status');
  var formError = document.getElementById('form-error');
  var COUNTDOWN_S = 60;
  var countdown = null;

  function inputs() { return Array.prototype.slice.call(form.querySelectorAll('input[name]')); }

  function valueOf(input) {
    return input.type === 'checkbox' ? input.checked : input.value.trim();
  }

  /* stage "code": what the code request carries; "submit": everything, with the code. */
  function body(stage) {
    var data = { service: service };
    inputs().forEach(function (input) {
      if (stage === 'submit' || input.getAttribute('data-stage') === 'code') {
        data[input.name] = valueOf(input);
      }
    });
    return data;
  }

  function setError(name, messages) {
    var box = document.getElementById('err-' + name);
    var field = document.getElementById('field-' + name);
    var input = form.elements[name];
    if (!box) {
      showFormError(messages.join(';'));
      return;
    }
    box.textContent = messages.join(';');
    box.hidden = messages.length === 0;
    if (field) { field.classList.toggle('invalid', messages.length > 0); }
    if (input) { input.setAttribute('aria-invalid', messages.length > 0 ? 'true' : 'false'); }
  }

  function showErrors(fields) {
    var first = null;
    Object.keys(fields).forEach(function (name) {
      setError(name, fields[name]);
      if (!first && form.elements[name]) { first = form.elements[name]; }
    });
    if (first) { first.focus(); }
  }

  function showFormError(message) {
    formError.textContent = message;
    formError.hidden = !message;
  }

  function clearErrors() {
    inputs().forEach(function (input) { setError(input.name, []); });
    showFormError('');
  }

  /* Only "is it filled in": the API checks the rest, with the same words everywhere. */
  function missing(stage) {
    var errors = {};
    inputs().forEach(function (input) {
      var needed = stage === 'submit' || input.getAttribute('data-stage') === 'code';
      if (needed && !valueOf(input)) {
        errors[input.name] = [input.getAttribute('data-required-message')];
      }
    });
    return errors;
  }

  /* wait: the 429's wait in words, kept on one line */
  function showCodeStatus(text, waiting, wait) {
    codeStatus.textContent = text;
    if (wait) {
      var words = document.createElement('span');
      words.className = 'nowrap';
      words.textContent = wait;
      codeStatus.appendChild(words);
    }
    codeStatus.hidden = !text && !wait;
    codeStatus.classList.toggle('wait', !!waiting);
  }

  function startCountdown() {
    var left = COUNTDOWN_S;
    sendButton.disabled = true;
    sendButton.textContent = left + '秒后重新获取';
    countdown = window.setInterval(function () {
      left -= 1;
      if (left > 0) {
        sendButton.textContent = left + '秒后重新获取';
        return;
      }
      window.clearInterval(countdown);
      sendButton.disabled = false;
      sendButton.textContent = '重新获取验证码';
    }, 1000);
  }

  function resetSendButton(text) {
    sendButton.disabled = false;
    sendButton.textContent = text;
  }

  /* "24小时才能获取一次验证码,请稍后再试" + retry_after -> "…验证码," and "请23小时59分钟后再试" */
  function showQuotaWait(error) {
    var reason = String(error.message || '').replace(/[,,]?\s*请(稍后|明天)(再试|重试)[。.]?$/, '');
    showCodeStatus(reason ? reason + ',' : '', true, api.waitInWords(error.retry_after || 0));
  }

  function requestCode() {
    clearErrors();
    showCodeStatus('');
    var errors = missing('code');
    if (Object.keys(errors).length) { showErrors(errors); return; }
    var label = sendButton.textContent;
    sendButton.disabled = true;
    sendButton.textContent = '发送中…';
    api.call('POST', '/api/v1/verification-codes', body('code')).then(function (result) {
      if (result.status === 202) {
        var minutes = Math.round(result.data.expires_in / 60);
        showCodeStatus('验证码已发送至' + result.data.sent_to + ',' + minutes + '分钟内有效');
        startCountdown();
        form.elements.code.focus();
        return;
      }
      resetSendButton(label);
      var error = api.errorOf(result);
      if (api.reloginIf401(result, showFormError)) { return; }
      if (result.status === 422 && error.fields) { showErrors(error.fields); return; }
      if (result.status === 429) { showQuotaWait(error); return; }
      showFormError(error.message);
    });
  }

  function submitQuery(event) {
    event.preventDefault();
    clearErrors();
    var errors = missing('submit');
    if (Object.keys(errors).length) { showErrors(errors); return; }
    submitButton.disabled = true;
    submitButton.textContent = '提交中…';
    api.call('POST', '/api/v1/queries', body('submit')).then(function (result) {
      if (result.status === 202) {
        window.location.assign('/h5/queries/' + encodeURIComponent(result.data.ticket));
        return;
      }
      submitButton.disabled = false;
      submitButton.textContent = '提交查询';
      var error = api.errorOf(result);
      if (api.reloginIf401(result, showFormError)) { return; }
      if (error.code === 'code_mismatch') {
        var left = error.attempts_left ? ',还可尝试' + error.attempts_left + '次' : '';
        showErrors({ code: [error.message + left] });
      } else if (error.code === 'code_expired') {
        showErrors({ code: [error.message] });
      } else if (result.status === 422 && error.fields) {
        showErrors(error.fields);
      } else {
        showFormError(error.message);
      }
    });
  }

  inputs().forEach(function (input) {
    input.addEventListener(input.type === 'checkbox' ? 'change' : 'input', function () {
      setError(input.name, []);
    });
  });
  sendButton.addEventListener('click', requestCode);
  form.addEventListener('submit', submitQuery);
})();
