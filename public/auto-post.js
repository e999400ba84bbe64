// Sends a SAML message on to the app (HTTP-POST binding) at once. Without JavaScript the page shows a Continue
// button that does the same.
(function () {
  'use strict';
  var form = document.querySelector('form[data-autopost]');
  if (form) form.submit();
})();
