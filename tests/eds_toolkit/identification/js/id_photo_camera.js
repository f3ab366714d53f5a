/* Runs eds_toolkit/web/static/identify.js on a minimal fake ID-photo page and prints, as JSON, the
   camera constraints it asked for and whether the capture button became usable.
   Usage: node id_photo_camera.js <identify.js> <rear|none|denied>
   rear: the device has a rear camera; none: asking for one fails (OverconstrainedError), any camera
   works; denied: the citizen refuses the camera (NotAllowedError). */
'use strict';
const fs = require('fs');
const vm = require('vm');

const [script, device] = process.argv.slice(2);

function element(id, extra) {
  const listeners = {};
  return Object.assign({
    id, hidden: false, disabled: true, textContent: '', className: '', dataset: {},
    classList: { contains: () => false },
    addEventListener(type, fn) { listeners[type] = fn; },
    setAttribute() {},
    fire(type) { return listeners[type]({ preventDefault() {} }); },
  }, extra || {});
}

const elements = {
  identify: element('identify', { dataset: { page: 'id-photo', csrf: 't', submitUrl: '/x' } }),
  result: element('result'),
  next: element('next'),
  'camera-box': element('camera-box'),
  'open-camera': element('open-camera'),
  capture: element('capture'),
  camera: element('camera', { videoWidth: 0, play() { this.videoWidth = 640; return Promise.resolve(); } }),
};
const asked = [];
const context = {
  document: {
    getElementById: (id) => elements[id] || null,
    createElement: () => ({ getContext: () => ({ drawImage() {} }) }),
    querySelectorAll: () => [],
  },
  navigator: {
    mediaDevices: {
      getUserMedia(constraints) {
        asked.push(constraints.video.facingMode || null);
        if (device === 'denied') { return Promise.reject({ name: 'NotAllowedError' }); }
        if (device === 'none' && constraints.video.facingMode) {
          return Promise.reject({ name: 'OverconstrainedError' });
        }
        return Promise.resolve({ getTracks: () => [] });
      },
    },
  },
  setTimeout, clearTimeout, setInterval, clearInterval, Promise, JSON, Object, Array, Math,
};
vm.createContext(context);
vm.runInContext(fs.readFileSync(script, 'utf8'), context);
elements['open-camera'].fire('click');
setTimeout(() => {
  console.log(JSON.stringify({
    asked, captureEnabled: !elements.capture.disabled, failed: elements.result.dataset.ok === 'false',
  }));
}, 300);
