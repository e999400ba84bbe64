// Passkeys (WebAuthn) for the forms marked data-passkey="create" or "get". Progressive: the forms stay hidden in
// browsers without WebAuthn (and without scripts), where the other methods on the page still work.
(function () {
  'use strict';
  if (!window.PublicKeyCredential || !window.navigator.credentials) return;

  function toBytes(text) {
    var base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    var binary = window.atob(base64 + '==='.slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = '';
    for (var i = 0; i < bytes.length; i += 1) binary += String.fromCharCode(bytes[i]);
    return window.btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function withIds(list) {
    return (list || []).map(function (credential) {
      return { type: credential.type, id: toBytes(credential.id), transports: credential.transports };
    });
  }

  // The server sends the options as JSON (binary fields in base64url); the browser wants ArrayBuffers.
  function creationOptions(json) {
    var options = Object.assign({}, json, { challenge: toBytes(json.challenge), excludeCredentials: withIds(json.excludeCredentials) });
    options.user = Object.assign({}, json.user, { id: toBytes(json.user.id) });
    return options;
  }

  function requestOptions(json) {
    return Object.assign({}, json, { challenge: toBytes(json.challenge), allowCredentials: withIds(json.allowCredentials) });
  }

  // The credential as the server reads it (the WebAuthn JSON forms of a registration or an authentication).
  function credentialJson(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toText(response.clientDataJSON) },
    };
    if (credential.authenticatorAttachment) out.authenticatorAttachment = credential.authenticatorAttachment;
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      if (response.userHandle) out.response.userHandle = toText(response.userHandle);
    }
    return out;
  }

  document.querySelectorAll('[data-passkey-section]').forEach(function (section) {
    section.hidden = false;
  });

  document.querySelectorAll('form[data-passkey]').forEach(function (form) {
    var status = form.querySelector('[data-passkey-status]');
    var button = form.querySelector('button[type="submit"]');
    form.hidden = false;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (status) status.textContent = '';
      button.disabled = true;
      var body = new window.URLSearchParams();
      body.set('_csrf', form.elements._csrf.value);
      window
        .fetch(form.getAttribute('data-options'), { method: 'POST', body: body, credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (answer) {
          if (!answer.ok) throw new Error('options: ' + answer.status);
          return answer.json();
        })
        .then(function (data) {
          return form.getAttribute('data-passkey') === 'create'
            ? window.navigator.credentials.create({ publicKey: creationOptions(data.options) })
            : window.navigator.credentials.get({ publicKey: requestOptions(data.options) });
        })
        .then(function (credential) {
          form.elements.response.value = JSON.stringify(credentialJson(credential));
          // submit() sends the form without firing this handler again.
          form.submit();
        })
        .catch(function () {
          // Cancelled, timed out, or no passkey for this site on this device: nothing was sent; say so and stay.
          button.disabled = false;
          if (status) status.textContent = status.getAttribute('data-message');
        });
    });
  });
})();
