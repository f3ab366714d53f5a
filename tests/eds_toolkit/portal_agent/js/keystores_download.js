/* Runs eds_toolkit/web/static/issuance.js (and decision.js) on a minimal fake certificates page whose
   server-made keystores form gets <ok|refused> from a fake fetch; prints, as JSON, what the citizen
   would see: the stale errors left, the message shown, where the focus went, the file saved.
   Usage: node keystores_download.js <issuance.js> <decision.js> <ok|refused> */
'use strict';
const fs = require('fs');
const vm = require('vm');

const [script, decisionScript, outcome] = process.argv.slice(2);
let focused = null;
const saved = [];

function element(id, extra) {
  const listeners = {};
  const attributes = {};
  return Object.assign({
    id, hidden: false, disabled: false, textContent: '', className: '', dataset: {}, value: '',
    parentNode: null,
    addEventListener(type, fn) { listeners[type] = fn; },
    setAttribute(name, value) { attributes[name] = String(value); },
    getAttribute(name) { return name in attributes ? attributes[name] : null; },
    removeAttribute(name) { delete attributes[name]; },
    hasAttribute(name) { return name in attributes; },
    focus() { focused = this.id; },
    fire(type, event) { return listeners[type](event); },
    attributes,
  }, extra || {});
}

const section = element('server-keys');
const staleError = element('page-error', { className: 'error' });
staleError.textContent = 'The two passwords are different: type the same password twice.';
const main = element('main', { removeChild(child) { child.removed = true; } });
staleError.parentNode = main;
const password = element('password', { value: 'Tulpar-Kokpar-2026', type: 'password' });
password.setAttribute('aria-invalid', 'true');
password.setAttribute('aria-describedby', 'page-error');
const again = element('password_confirmation', { value: 'Tulpar-Kokpar-2026', type: 'password' });
const button = element('submit');
const csrf = element('csrf', { value: 'token' });
const form = element('form', {
  action: '/certificates/server', parentNode: section, dataset: {},
  querySelector(selector) { return selector.startsWith('button') ? button : csrf; },
  querySelectorAll() { return [password, again]; },
});
const elements = {
  'keystores-error': element('keystores-error', { hidden: true }),
  'keystores-done': element('keystores-done', {
    hidden: true, dataset: { where: 'Your browser saved the file {name} in its downloads folder (usually Downloads).' },
  }),
  'keystores-where': element('keystores-where'),
  'keystores-auth-file': element('keystores-auth-file'),
  'keystores-sign-file': element('keystores-sign-file'),
  password, 'page-error': staleError,
};
const answers = {
  ok: { status: 200, ok: true, body: {
    filename: 'eds-keystores.zip', zip: Buffer.from('PK zip').toString('base64'),
    files: [{ profile: 'auth', name: 'AUTH_RSA256_ab.p12' }, { profile: 'sign', name: 'RSA256_cd.p12' }],
  } },
  refused: { status: 422, ok: false, body: {
    detail: 'The password is too short.', code: 'weak_password', field: 'password',
  } },
};
const context = {
  window: {
    fetch: () => Promise.resolve({ ...answers[outcome], json: () => Promise.resolve(answers[outcome].body) }),
    atob: (text) => Buffer.from(text, 'base64').toString('binary'),
  },
  document: {
    getElementById: (id) => elements[id] || null,
    querySelector: (selector) => (selector === '[data-decision]' && !staleError.removed ? staleError : null),
    querySelectorAll(selector) {
      if (selector === 'form[data-keystores-form]') { return [form]; }
      if (selector === 'p.error') { return staleError.removed ? [] : [staleError, elements['keystores-error']]; }
      if (selector === '[aria-invalid]') { return [password].filter((e) => e.hasAttribute('aria-invalid')); }
      return [];
    },
    createElement: () => ({ click() { saved.push(this.download); } }),
    body: { appendChild() {}, removeChild() {} },
  },
  FormData: function FormData() {},
  Blob: function Blob() {},
  URL: { createObjectURL: () => 'blob:zip', revokeObjectURL() {} },
  Uint8Array, setTimeout, clearTimeout, Promise, JSON, Object, Array, Math, Buffer,
};
context.fetch = context.window.fetch;
vm.createContext(context);
vm.runInContext(fs.readFileSync(decisionScript, 'utf8'), context);
const focusedOnLoad = focused;
vm.runInContext(fs.readFileSync(script, 'utf8'), context);
form.fire('submit', { currentTarget: form, preventDefault() {} });
setTimeout(() => {
  const error = elements['keystores-error'];
  const done = elements['keystores-done'];
  console.log(JSON.stringify({
    focusedOnLoad,
    focused,
    staleErrorShown: !staleError.removed,
    error: error.hidden ? null : error.textContent,
    done: done.hidden ? null : elements['keystores-where'].textContent,
    files: [elements['keystores-auth-file'].textContent, elements['keystores-sign-file'].textContent],
    saved,
    passwordInvalid: password.getAttribute('aria-invalid'),
    passwordDescribedBy: password.getAttribute('aria-describedby'),
    formHidden: section.hidden,
    passwordsCleared: password.value === '' && again.value === '',
  }));
  process.exit(0);  // the page's 60 s timer that frees the download's object URL
}, 200);
