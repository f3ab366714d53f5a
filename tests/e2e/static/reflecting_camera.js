/* A reflecting camera for the browser tests, injected before any page script runs
   (Page.addScriptToEvaluateOnNewDocument, tests/e2e/camera.py reflecting_camera()).

   Chromium's fake camera cannot see the screen, so this wraps navigator.mediaDevices.getUserMedia: the
   fake camera's frames are drawn on a canvas, multiplied by (1 + AMPLITUDE * colour) with the screen
   colour the page shows now (<html data-screen-colour>, set by identify.js), and the page gets
   canvas.captureStream(). It is what a screen's light does to a face (tests/reflection.py models the
   same), and also exactly what a real-time injection attacker who reads the page could do: the colour
   challenge stops recordings and animations made in advance, not a live injector. */
(function () {
  'use strict';
  var AMPLITUDE = __AMPLITUDE__;
  var devices = navigator.mediaDevices;
  if (!devices || !devices.getUserMedia) { return; }
  var original = devices.getUserMedia.bind(devices);
  devices.getUserMedia = function (constraints) {
    return original(constraints).then(function (stream) {
      if (!stream.getVideoTracks().length) { return stream; }
      var video = document.createElement('video');
      video.muted = true;
      video.playsInline = true;
      video.srcObject = stream;
      var played = video.play();
      var canvas = document.createElement('canvas');
      var context = canvas.getContext('2d', { willReadFrequently: true });
      function draw() {
        if (!video.videoWidth) { return; }
        if (canvas.width !== video.videoWidth || canvas.height !== video.videoHeight) {
          canvas.width = video.videoWidth;
          canvas.height = video.videoHeight;
        }
        context.drawImage(video, 0, 0);
        var rgb = document.documentElement.dataset.screenColour;
        if (!rgb) { return; }
        var gain = [1, 3, 5].map(function (at) {
          return 1 + AMPLITUDE * parseInt(rgb.slice(at, at + 2), 16) / 255;
        });
        var image = context.getImageData(0, 0, canvas.width, canvas.height);
        var data = image.data;  /* Uint8ClampedArray: rounds and clamps */
        for (var i = 0; i < data.length; i += 4) {
          data[i] *= gain[0];
          data[i + 1] *= gain[1];
          data[i + 2] *= gain[2];
        }
        context.putImageData(image, 0, 0);
      }
      var timer = setInterval(draw, 20);
      var tinted = canvas.captureStream(30);
      tinted.getVideoTracks()[0].addEventListener('ended', function () { clearInterval(timer); });
      var stopTinted = tinted.getVideoTracks()[0].stop.bind(tinted.getVideoTracks()[0]);
      tinted.getVideoTracks()[0].stop = function () {  /* the page's stopCamera() stops the real camera too */
        clearInterval(timer);
        stream.getTracks().forEach(function (track) { track.stop(); });
        stopTinted();
      };
      return Promise.resolve(played).catch(function () {}).then(function () {
        return new Promise(function (resolve) {
          (function ready() { if (video.videoWidth) { draw(); resolve(tinted); } else { setTimeout(ready, 20); } })();
        });
      });
    });
  };
}());
