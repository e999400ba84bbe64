// The badge page's camera: reads the QR code on a young student's badge and sends its code, as typing it would.
// Without a camera, permission or JavaScript the page keeps its "Badge code" field, which does the same.
(function () {
  'use strict';
  var form = document.querySelector('form[data-badge-form]');
  var input = document.getElementById('badge-code');
  if (!form || !input) return;
  var sent = false;

  function send(text) {
    if (sent) return;
    // The badge's QR code holds <issuer>/badge#<code>; a code alone is accepted too.
    var hash = text.indexOf('#');
    var code = hash >= 0 ? text.slice(hash + 1) : text;
    if (!code) return;
    sent = true;
    input.value = code;
    form.submit();
  }

  // Opened from the badge's own address (a phone's camera app): the code came along in the fragment. It is taken
  // out of the address at once, so it stays neither in the history nor on the screen.
  if (window.location.hash.length > 1) {
    var fromAddress = decodeURIComponent(window.location.hash.slice(1));
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
    send(fromAddress);
    return;
  }

  var scanner = document.querySelector('[data-badge-scanner]');
  var video = document.querySelector('video[data-badge-video]');
  var status = document.querySelector('[data-badge-status]');
  if (!scanner || !video || typeof window.jsQR !== 'function' || !window.navigator.mediaDevices || !window.navigator.mediaDevices.getUserMedia) return;

  // After a refused badge the page comes back with its error: the same card still in front of the camera must not be
  // sent again and again. The scanner waits until it has seen no code for a moment (the card taken away).
  var armed = !document.getElementById('form-error');
  var misses = 0;
  var canvas = document.createElement('canvas');
  var context = canvas.getContext('2d', { willReadFrequently: true });

  function scan() {
    if (sent) return;
    if (video.readyState >= 2 && video.videoWidth > 0) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' });
      if (found && found.data && armed) {
        if (status) status.textContent = status.getAttribute('data-found');
        send(found.data);
        return;
      }
      misses = found && found.data ? 0 : misses + 1;
      if (misses >= 5) armed = true;
    }
    window.setTimeout(scan, 150);
  }

  window.navigator.mediaDevices
    .getUserMedia({ video: { facingMode: 'user' }, audio: false })
    .then(function (stream) {
      scanner.hidden = false;
      video.srcObject = stream;
      return video.play().then(scan);
    })
    .catch(function () {
      // No camera, or permission refused: the typed code is the way in, and the page says so.
      scanner.hidden = false;
      video.hidden = true;
      if (status) status.textContent = status.getAttribute('data-no-camera');
    });
})();
