// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';

  // The letter's "eye" button: shows what was typed, and says so to screen readers.
  document.querySelectorAll('button[data-reveal]').forEach(function (button) {
    var input = document.getElementById(button.getAttribute('data-reveal'));
    var label = button.querySelector('.reveal-label');
    if (!input) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      var show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      button.setAttribute('aria-pressed', show ? 'true' : 'false');
      if (label) label.textContent = button.getAttribute(show ? 'data-label-hide' : 'data-label-show');
      input.focus();
    });
  });

  // A sign-out the person already asked for (from the portal or an app) completes without a second click.
  var auto = document.querySelector('button[data-autosubmit]');
  if (auto) auto.click();
})();
