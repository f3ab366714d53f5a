/* Runs eds_toolkit/web/static/identify.js on a minimal fake selfie page and prints, as JSON, whether the
   photo fallback (a form that passes the selfie without the camera) is still offered, and the hint.
   Usage: node selfie_fallback.js <identify.js> <ok|denied> */
'use strict';
const fs = require('fs');
const vm = require('vm');

const [script, device] = process.argv.slice(2);

function element(id, extra) {
  return Object.assign({
    id, hidden: false, disabled: false, textContent: '', className: '', dataset: {}, attributes: {},
    classList: { contains: () => false },
    addEventListener() {},
    setAttribute(name, value) { this.attributes[name] = value; },
  }, extra || {});
}

const fallback = element('fallback');
const elements = {
  identify: element('identify', { dataset: { page: 'selfie', csrf: 't', hintUrl: '/h', submitUrl: '/s' } }),
  result: element('result'),
  next: element('next'),
  hint: element('hint'),
  capture: element('capture', { disabled: true }),
  'camera-box': element('camera-box'),
  'upload-form': element('upload-form'),
  camera: element('camera', { videoWidth: 0, play() { this.videoWidth = 640; return Promise.resolve(); } }),
};
const island = { textContent: JSON.stringify({ cameraFailedSelfie: 'needs a camera', lookingAtPicture: 'looking' }) };
const context = {
  document: {
    getElementById: (id) => (id === 'identify-texts' ? island : elements[id] || null),
    createElement: () => ({ getContext: () => ({ drawImage() {} }), toBlob(cb) { cb(null); } }),
    querySelector: (selector) => (selector === '.fallback' ? fallback : null),
    querySelectorAll: () => [],
  },
  navigator: {
    mediaDevices: {
      getUserMedia() {
        if (device === 'denied') { return Promise.reject({ name: 'NotAllowedError' }); }
        return Promise.resolve({ getTracks: () => [] });
      },
    },
  },
  fetch: () => new Promise(() => {}),
  FormData: function () { this.append = function () {}; },
  setTimeout, clearTimeout, setInterval, clearInterval, Promise, JSON, Object, Array, Math,
};
vm.createContext(context);
vm.runInContext(fs.readFileSync(script, 'utf8'), context);
setTimeout(() => {
  console.log(JSON.stringify({
    fallbackOffered: !fallback.hidden,
    captureEnabled: !elements.capture.disabled,
    hint: elements.hint.textContent,
    hintRole: elements.hint.attributes.role || null,
  }));
  process.exit(0);
}, 300);
