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

  // A sign-out the person already asked for (from the portal or an app) completes without a second click.
  var auto = document.querySelector('button[data-autosubmit]');
  if (auto) auto.click();
})();
