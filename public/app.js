// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';

  // The letter's "eye" button: shows what was typed, and says so to screen readers. It is a toggle button: its name
  // ("Show password") stays the same and aria-pressed carries the state, so a screen reader says "Show password,
  // pressed" rather than the contradictory "Hide password, pressed".
  document.querySelectorAll('button[data-reveal]').forEach(function (button) {
    var input = document.getElementById(button.getAttribute('data-reveal'));
    if (!input) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      var show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      button.setAttribute('aria-pressed', show ? 'true' : 'false');
      input.focus();
    });
  });

  // Live hints while choosing a password: the length rule ticks when met, and the confirmation says whether it
  // matches. The server checks every rule again; these only save a round trip.
  var rules = document.getElementById('password-rules');
  var password = document.getElementById('password');
  var confirm = document.getElementById('confirm');
  var status = document.getElementById('confirm-status');
  if (rules && password) {
    var min = Number(rules.getAttribute('data-min')) || 8;
    var lengthRule = rules.querySelector('[data-rule="length"]');
    var update = function () {
      var length = Array.from(password.value.normalize('NFC')).length;
      if (lengthRule) lengthRule.classList.toggle('met', length >= min);
      if (confirm && status) {
        status.hidden = confirm.value.length === 0;
        var same = confirm.value === password.value;
        status.textContent = status.getAttribute(same ? 'data-match' : 'data-nomatch');
        status.classList.toggle('met', same);
      }
    };
    password.addEventListener('input', update);
    if (confirm) confirm.addEventListener('input', update);
  }

  // A sign-out the person already asked for (from the portal or an app) completes without a second click.
  var auto = document.querySelector('button[data-autosubmit]');
  if (auto) auto.click();
})();
