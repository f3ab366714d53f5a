/* Runs eds_toolkit/web/static/identify.js on a minimal fake ID-photo page, takes the picture, lets the
   server answer `answer` (JSON, argv[3]) and prints, as JSON, where the page went and what it shows.
   Usage: node id_photo_referral.js <identify.js> '<answer JSON>' */
'use strict';
const fs = require('fs');
const vm = require('vm');

const [script, answerText] = process.argv.slice(2);
const answer = JSON.parse(answerText);

function element(id, extra) {
  const listeners = {};
  return Object.assign({
    id, hidden: false, disabled: true, textContent: '', className: '', dataset: {}, href: '',
    classList: { contains: () => false },
    addEventListener(type, fn) { listeners[type] = fn; },
    setAttribute() {},
    fire(type) { return listeners[type]({ preventDefault() {} }); },
  }, extra || {});
}

const elements = {
  identify: element('identify', { dataset: { page: 'id-photo', csrf: 't', submitUrl: '/identification/id-photo' } }),
  result: element('result'),
  next: element('next', { hidden: true }),
  'camera-box': element('camera-box'),
  'open-camera': element('open-camera'),
  capture: element('capture'),
  camera: element('camera', { videoWidth: 0, play() { this.videoWidth = 640; return Promise.resolve(); } }),
};
const went = [];
let cameraStopped = false;
const context = {
  window: { location: { assign: (url) => went.push(url) } },
  document: {
    getElementById: (id) => elements[id] || null,
    createElement: () => ({
      getContext: () => ({ drawImage() {} }),
      toBlob: (resolve) => resolve({ size: 1 }),
    }),
    querySelectorAll: () => [],
    querySelector: () => null,
  },
  navigator: {
    mediaDevices: {
      getUserMedia: () => Promise.resolve({ getTracks: () => [{ stop() { cameraStopped = true; } }] }),
    },
  },
  FormData: class { append() {} },
  fetch: () => Promise.resolve({ status: 200, json: () => Promise.resolve(answer) }),
  setTimeout, clearTimeout, setInterval, clearInterval, Promise, JSON, Object, Array, Math,
};
vm.createContext(context);
vm.runInContext(fs.readFileSync(script, 'utf8'), context);
elements['open-camera'].fire('click');
setTimeout(() => {
  elements.capture.fire('click');
  setTimeout(() => {
    console.log(JSON.stringify({
      went, cameraStopped, outcome: elements.identify.dataset.outcome || null,
      captureEnabled: !elements.capture.disabled, shown: elements.result.textContent,
    }));
  }, 200);
}, 200);
