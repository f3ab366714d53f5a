/* The certificates page drives `eds agent` (eds-agent-client.js and agent_keystores.js, loaded before
   this file): find the agent -> choose the folder -> make the keys and CSRs there -> POST the CSRs
   (JSON answer) -> install the certificates into two .p12 files. Keys never leave the agent; this page
   sees CSRs and certificates only. A retry never asks the server twice: the issued pair is kept (and
   the server hands it back with "already issued"), and new keys are never made once certificates exist. */
(function () {
  'use strict';
  var page = window.EdsAgentKeystores && window.EdsAgentKeystores('agent-messages', 'agent-start', explainOwn);
  if (!page) { return; }
  var data = page.data;
  var text = page.text;
  var folderInput = page.folderInput;
  // The agent names its waiting keys after this id (letters, digits, '-' and '_', as enrolment ids
  // are); the prefix tells this portal's requests apart in the agent's listKeys.
  var agentRequestId = data.enrolmentId ? 'enrolment-' + data.enrolmentId : '';

  var requests = null;  // {authCsr, signCsr}: made by the agent in this page for this enrolment
  var issued = data.issued ? JSON.parse(data.issued) : null;  // the server's pair, once issued

  // The agent's codes only this page meets (nothing: the sentence the renewal page shows too).
  function explainOwn(error) {
    switch (error.code) {
      case 'ENROLMENT_MISMATCH': return page.refused(error, text.enrolmentMismatch);
      case 'NO_PENDING_REQUEST': return issued ? text.alreadyIssued : null;
      default: return null;
    }
  }

  function sendRequests(made) {
    var form = new FormData();
    form.append('auth_csr', made.authCsr);
    form.append('sign_csr', made.signCsr);
    return page.post(data.csrUrl, form).catch(function (error) {
      var answer = error.answer;
      if (answer && answer.code === 'already_issued' && answer.issued) { return answer.issued; }
      throw error;
    });
  }

  // The keys made earlier in this page (if the agent kept them), or new ones, then the pair issued.
  function issue() {
    return Promise.resolve().then(function () {
      if (issued || !requests) { return null; }
      // Keys made earlier in this page: only still useful if the agent kept them (not restarted).
      return page.agent.listKeys().then(function (keys) {
        if (keys.pending.indexOf(agentRequestId) < 0) {
          requests = null;
          folderInput.disabled = false;
        }
      });
    }).then(function () {
      if (issued || requests) { return null; }
      page.say(text.choosing, 'working');
      return page.agent.chooseStore(folderInput.value.trim() || undefined).then(function (chosen) {
        folderInput.value = chosen.folder;
        page.say(text.making, 'working');
        return page.agent.makeRequests(page.person(agentRequestId));
      }).then(function (made) {
        requests = made;
        folderInput.disabled = true;  // the keys wait in that folder now
      });
    }).then(function () {
      if (issued) { return null; }
      page.say(text.issuing, 'working');
      return sendRequests(requests).then(function (pair) { issued = pair; });
    }).then(function () {
      return { enrolmentId: agentRequestId, pair: issued };
    });
  }

  function shown() {
    ['csr-upload', 'server-keys'].forEach(function (id) {
      var other = document.getElementById(id);
      if (other) { other.hidden = true; }
    });
  }

  function run() {
    page.attempt(issued ? text.installing : text.choosing, issue, shown);
  }

  page.detect(function (keys) {
    if (!agentRequestId) {
      page.say(text.found, 'found');
      return;
    }
    if (issued && keys.pending.indexOf(agentRequestId) < 0) {
      page.say(text.alreadyIssued, 'issued');
      return;
    }
    if (issued) {
      folderInput.disabled = true;
      page.say(text.issuedInstall, 'found');
    } else {
      page.say(text.found, 'found');
    }
    page.offer(run);
  }, function (error, greeted) {
    // Nothing answers (or the agent refuses this site) vs. a program that greets like NCALayer but
    // has no kz.eds.toolkit.issuance (MODULE_NOT_FOUND): most likely the real NCALayer on its port.
    if (error && error.code === 'ORIGIN_NOT_ALLOWED') {
      page.say(text.siteRefused, 'missing');
    } else if (greeted || (error && error.code === 'NOT_AN_AGENT')) {
      document.getElementById('agent-missing-why').textContent = text.otherAppWhy;
      page.say(text.otherApp, 'other-app');
    } else {
      page.say(text.missing, 'missing');
    }
  });
})();

/* The server-made keystores (and a lost download's new pair): the form is sent by fetch, so that on
   success the page clears the earlier errors and says where the zip went and which keystore is for
   what; on a refusal it shows the server's sentence next to the form, tied to the field it is about.
   Without JavaScript the form posts as is and the browser downloads the zip. */
(function () {
  'use strict';
  var forms = document.querySelectorAll('form[data-keystores-form]');
  var failure = document.getElementById('keystores-error');
  var done = document.getElementById('keystores-done');
  if (!forms.length || !failure || !done || typeof window.fetch !== 'function') { return; }

  function decide(element) {  // the decision's message gets the focus, so it is read first
    element.hidden = false;
    element.focus();
  }

  function clearErrors() {
    Array.prototype.forEach.call(document.querySelectorAll('p.error'), function (old) {
      if (old !== failure) { old.parentNode.removeChild(old); }
    });
    Array.prototype.forEach.call(document.querySelectorAll('[aria-invalid]'), function (field) {
      field.removeAttribute('aria-invalid');
      field.removeAttribute('aria-describedby');
    });
    failure.hidden = true;
    failure.textContent = '';
  }

  function save(body) {
    var bytes = window.atob(body.zip);
    var buffer = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i += 1) { buffer[i] = bytes.charCodeAt(i); }
    var url = URL.createObjectURL(new Blob([buffer], { type: 'application/zip' }));
    var link = document.createElement('a');
    link.href = url;
    link.download = body.filename;
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  function saved(form, body) {
    clearErrors();
    save(body);
    var names = {};
    body.files.forEach(function (file) { names[file.profile] = file.name; });
    document.getElementById('keystores-where').textContent = done.dataset.where.replace('{name}', body.filename);
    document.getElementById('keystores-auth-file').textContent = names.auth;
    document.getElementById('keystores-sign-file').textContent = names.sign;
    form.parentNode.hidden = true;  // its section: the keys are made, the form has done its work
    decide(done);
  }

  function refused(form, message, field) {
    clearErrors();
    failure.textContent = message;
    var input = field ? document.getElementById(field) : null;
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', 'keystores-error');
    }
    decide(failure);
  }

  function send(event) {
    var form = event.currentTarget || event.target;
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    if (button) { button.disabled = true; }
    var csrf = form.querySelector('input[name="csrf_token"]');
    fetch(form.action, {
      method: 'POST', body: new FormData(form), credentials: 'same-origin',
      headers: { 'Accept': 'application/json', 'X-CSRFToken': csrf ? csrf.value : '' }
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.ok && body.zip) { saved(form, body); } else { refused(form, body.detail, body.field); }
      }, function () {
        refused(form, form.dataset.expired || response.statusText);
      });
    }, function () {
      refused(form, form.dataset.network || 'Network error');
    }).then(function () {
      if (button) { button.disabled = false; }
      Array.prototype.forEach.call(form.querySelectorAll('input[type="password"]'), function (input) {
        input.value = '';  // never kept between tries
      });
    });
  }

  Array.prototype.forEach.call(forms, function (form) { form.addEventListener('submit', send); });
})();
