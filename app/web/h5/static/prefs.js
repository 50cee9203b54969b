/* 大字模式 (适老化): remembered in localStorage. Loaded in <head> so the page never flashes
   in the small size first. */
(function () {
  'use strict';
  var KEY = 'yzt.largeFont';
  var root = document.documentElement;

  function stored() {
    try { return window.localStorage.getItem(KEY) === '1'; } catch (e) { return false; }
  }

  function apply(on) {
    root.classList.toggle('large-font', on);
    var button = document.getElementById('font-toggle');
    if (button) {
      button.setAttribute('aria-pressed', on ? 'true' : 'false');
      button.textContent = on ? '标准字号' : '大字模式';
    }
  }

  apply(stored());
  document.addEventListener('DOMContentLoaded', function () {
    apply(stored());
    var button = document.getElementById('font-toggle');
    if (!button) { return; }
    button.addEventListener('click', function () {
      var on = !root.classList.contains('large-font');
      try { window.localStorage.setItem(KEY, on ? '1' : '0'); } catch (e) { /* private mode */ }
      apply(on);
    });
  });
})();
