/* Runs eds_toolkit/web/static/device_check.js on a minimal fake check page (identify/check.html) and
   prints, as JSON, what the citizen sees once both checks are done.
   Usage: node device_check.js <device_check.js> <ok|denied|none|busy> <found|missing|other|refused>
   camera: ok (the picture shows), denied (NotAllowedError), none (NotFoundError), busy (NotReadableError);
   agent: found (greets with a version), missing (connection refused), other (a program that is no agent),
   refused (greets, then the citizen refuses this site in the agent's "allow this site?" window). */
'use strict';
const fs = require('fs');
const vm = require('vm');

const [script, camera, agent] = process.argv.slice(2);

function element(id, extra) {
  const listeners = {};
  return Object.assign({
    id, hidden: false, textContent: '', className: '', dataset: {}, attributes: {},
    addEventListener(type, fn) { listeners[type] = fn; },
    setAttribute(name, value) { this.attributes[name] = value; },
    fire(type) { return listeners[type]({ preventDefault() {} }); },
  }, extra || {});
}

const messages = {
  cameraAsking: 'asking', cameraOk: 'camera ok', cameraDenied: 'camera denied', cameraMissing: 'no camera',
  cameraBusy: 'camera busy', agentSearching: 'searching', agentFound: 'agent found',
  agentMissing: 'agent missing', agentOtherApp: 'other app', agentAsking: 'agent asks',
  agentRefused: 'agent refused',
};
const stopped = [];
const elements = {
  'device-check': element('device-check', { dataset: { agentUrl: 'wss://127.0.0.1:13579' } }),
  'check-messages': element('check-messages', { dataset: messages, hidden: true }),
  camera: element('camera', { srcObject: null, play() { return Promise.resolve(); } }),
  'camera-box': element('camera-box', { hidden: true }),
  'camera-status': element('camera-status', { dataset: { state: 'unchecked' } }),
  'camera-retry': element('camera-retry', { hidden: true }),
  'camera-help': element('camera-help', { hidden: true }),
  continue: element('continue'),
  'agent-check-status': element('agent-check-status', { dataset: { state: 'unchecked' } }),
  'agent-check-missing': element('agent-check-missing', { hidden: true }),
};
const errors = { denied: 'NotAllowedError', none: 'NotFoundError', busy: 'NotReadableError' };

function EdsAgent(url) { this.url = url; this.closed = false; }
EdsAgent.prototype.connect = function () {
  if (agent === 'found' || agent === 'refused') { return Promise.resolve('1.4'); }
  const code = agent === 'other' ? 'NOT_AN_AGENT' : 'AGENT_UNREACHABLE';
  return Promise.reject(Object.assign(new Error(code), { code }));
};
EdsAgent.prototype.version = function () {
  if (agent === 'found') { return Promise.resolve({ version: '1.4' }); }
  const code = 'ORIGIN_NOT_ALLOWED';
  return Promise.reject(Object.assign(new Error(code), { code }));
};
EdsAgent.prototype.close = function () { this.closed = true; };

const windowListeners = {};
const context = {
  document: { getElementById: (id) => elements[id] || null },
  navigator: {
    mediaDevices: {
      getUserMedia() {
        if (camera === 'ok') {
          return Promise.resolve({ getTracks: () => [{ stop() { stopped.push('video'); } }] });
        }
        return Promise.reject({ name: errors[camera] });
      },
    },
  },
  setTimeout, clearTimeout, Promise, Object, Array,
};
context.window = Object.assign(context, {
  EdsAgent,
  addEventListener(type, fn) { windowListeners[type] = fn; },
});
vm.createContext(context);
vm.runInContext(fs.readFileSync(script, 'utf8'), context);
setTimeout(() => {
  const seen = {
    camera: elements['camera-status'].dataset.state,
    cameraSaid: elements['camera-status'].textContent,
    cameraRole: elements['camera-status'].attributes.role || null,
    preview: !elements['camera-box'].hidden,
    help: !elements['camera-help'].hidden,
    retry: !elements['camera-retry'].hidden,
    continue: !elements.continue.hidden,
    agent: elements['agent-check-status'].dataset.state,
    agentHelp: !elements['agent-check-missing'].hidden,
  };
  if (seen.continue) { elements.continue.fire('click'); }
  seen.cameraStopped = stopped.length > 0;
  console.log(JSON.stringify(seen));
}, 200);
