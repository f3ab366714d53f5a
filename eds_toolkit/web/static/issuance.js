/* The certificates page drives `eds agent` (eds-agent-client.js, loaded before this file):
   find the agent -> choose the folder -> make the keys and CSRs there -> POST the CSRs (JSON answer)
   -> install the certificates into two .p12 files. Keys never leave the agent; this page sees CSRs
   and certificates only. A retry never asks the server twice: the issued pair is kept (and the server
   hands it back with "already issued"), and new keys are never made once certificates exist. */
(function () {
  'use strict';
  var section = document.getElementById('agent');
  if (!section || typeof window.EdsAgent !== 'function') { return; }
  var data = section.dataset;
  var text = document.getElementById('agent-messages').dataset;
  var status = document.getElementById('agent-status');
  var found = document.getElementById('agent-found');
  var missing = document.getElementById('agent-missing');
  var done = document.getElementById('agent-done');
  var button = document.getElementById('agent-start');
  var folderInput = document.getElementById('agent_folder');
  var password = document.getElementById('agent_password');
  var passwordAgain = document.getElementById('agent_password_confirmation');
  var CONNECT_TIMEOUT_MS = 2500;
  var DETECT_TIMEOUT_MS = 6000;
  // The agent names its waiting keys after this id (letters, digits, '-' and '_', as enrolment ids
  // are); the prefix tells this portal's requests apart in the agent's listKeys.
  var agentRequestId = data.enrolmentId ? 'enrolment-' + data.enrolmentId : '';

  var agent = null;
  var requests = null;  // {authCsr, signCsr}: made by the agent in this page for this enrolment
  var issued = data.issued ? JSON.parse(data.issued) : null;  // the server's pair, once issued
  var busy = false;

  function say(message, state) {
    status.textContent = message;
    status.dataset.state = state;
    // green only for good news; "not found" is something to fix, not a success (nor a failure)
    status.className = {
      error: 'error', missing: 'warning', 'other-app': 'warning', searching: 'working', working: 'working'
    }[state] || 'notice';
    status.setAttribute('role', state === 'error' ? 'alert' : 'status');
  }

  function connected() {
    return agent && agent.socket && agent.socket.readyState === 1;
  }

  function connect() {
    if (connected()) { return Promise.resolve(); }
    agent = new window.EdsAgent(data.agentUrl);
    return agent.connect(CONNECT_TIMEOUT_MS);
  }

  function ServerRefusal(message, code) {
    var error = new Error(message);
    error.name = 'ServerRefusal';
    error.code = code;
    return error;
  }

  function sendRequests(made) {
    var form = new FormData();
    form.append('auth_csr', made.authCsr);
    form.append('sign_csr', made.signCsr);
    return fetch(data.csrUrl, {
      method: 'POST', body: form, credentials: 'same-origin',
      headers: { 'X-CSRFToken': data.csrf, 'Accept': 'application/json' }
    }).catch(function () {
      throw ServerRefusal(text.network, 'network');
    }).then(function (response) {
      return response.json().catch(function () {
        // Not JSON: the CSRF check (an expired page) or a proxy error page.
        var said = { 400: text.expired, 429: text.tooMany }[response.status] || text.network;
        throw ServerRefusal(said, 'http_' + response.status);
      }).then(function (body) {
        if (response.status === 201) { return body; }
        if (body.code === 'already_issued' && body.issued) { return body.issued; }
        throw ServerRefusal(body.detail || text.network, body.code);
      });
    });
  }

  function person() {
    return {
      enrolmentId: agentRequestId, iin: data.iin, surname: data.surname,
      givenName: data.givenName, patronymic: data.patronymic || undefined
    };
  }

  function baseName(path) {
    return String(path).split(/[\\/]/).pop();
  }

  function finished(result) {
    found.hidden = true;
    done.hidden = false;
    document.getElementById('agent-folder-used').textContent = result.folder;
    var list = document.getElementById('agent-files');
    list.textContent = '';
    result.files.forEach(function (file) {
      var item = document.createElement('li');
      item.textContent = baseName(file);
      item.className = 'agent-file';
      list.appendChild(item);
    });
    ['csr-upload', 'server-keys'].forEach(function (id) {
      var other = document.getElementById(id);
      if (other) { other.hidden = true; }
    });
    say(text.done, 'done');
  }

  // eds agent explains in English (naming the folder or the password rule it applied); a page in
  // another language shows its own sentence for the agent's error code instead.
  function inPageLanguage(error, translated) {
    return document.documentElement.lang === 'en' || !translated ? error.message : translated;
  }

  function explain(error) {
    if (error.name === 'ServerRefusal') { return error.message; }
    if (error.cancelled) { return text.cancelled; }
    switch (error.code) {
      case 'AGENT_CLOSED': case 'AGENT_UNREACHABLE': case 'NOT_CONNECTED': return text.lost;
      case 'WEAK_PASSWORD': return text.weakPassword + ' ' + inPageLanguage(error, text.weakPasswordRules);
      case 'WRONG_PASSWORD': return text.refused + ' ' + inPageLanguage(error, text.wrongPassword);
      case 'STORE_NOT_WRITABLE': return text.refused + ' ' + inPageLanguage(error, text.storeNotWritable);
      case 'DISK_FULL': return text.refused + ' ' + inPageLanguage(error, text.diskFull);
      case 'ENROLMENT_MISMATCH': return text.refused + ' ' + inPageLanguage(error, text.enrolmentMismatch);
      case 'NO_PENDING_REQUEST': return issued ? text.alreadyIssued : text.refused + ' ' + error.message;
      default: return text.refused + ' ' + error.message;
    }
  }

  function run() {
    if (busy) { return; }
    if (password.value !== passwordAgain.value) {
      say(text.differentPasswords, 'error');
      return;
    }
    busy = true;
    button.disabled = true;
    status.dataset.attempt = String(Number(status.dataset.attempt || 0) + 1);  // tells one try from the next
    say(issued ? text.installing : text.choosing, 'working');
    var chosenPassword = password.value || undefined;  // empty: eds agent asks the citizen itself
    connect().then(function () {
      if (issued || !requests) { return null; }
      // Keys made earlier in this page: only still useful if the agent kept them (not restarted).
      return agent.listKeys().then(function (keys) {
        if (keys.pending.indexOf(agentRequestId) < 0) {
          requests = null;
          folderInput.disabled = false;
        }
      });
    }).then(function () {
      if (issued || requests) { return null; }
      say(text.choosing, 'working');
      return agent.chooseStore(folderInput.value.trim() || undefined).then(function (chosen) {
        folderInput.value = chosen.folder;
        say(text.making, 'working');
        return agent.makeRequests(person());
      }).then(function (made) {
        requests = made;
        folderInput.disabled = true;  // the keys wait in that folder now
      });
    }).then(function () {
      if (issued) { return null; }
      say(text.issuing, 'working');
      return sendRequests(requests).then(function (pair) { issued = pair; });
    }).then(function () {
      say(text.installing, 'working');
      return agent.installCertificates({
        enrolmentId: agentRequestId,
        authCertificate: issued.auth_certificate,
        signCertificate: issued.sign_certificate,
        chain: issued.chain,
        password: chosenPassword
      });
    }).then(finished, function (error) {
      say(explain(error), 'error');
      button.disabled = false;
    }).then(function () {
      password.value = '';  // never kept between tries
      passwordAgain.value = '';
      busy = false;
    });
  }

  // Settles within ``ms`` or rejects: a program on the agent's port that never answers is "not found".
  function within(ms, promise) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { reject(new Error('no answer')); }, ms);
      promise.then(function (value) { clearTimeout(timer); resolve(value); },
        function (error) { clearTimeout(timer); reject(error); });
    });
  }

  section.hidden = false;
  var greeted = false;  // something on the agent's address answered NCALayer's greeting
  within(DETECT_TIMEOUT_MS, connect()).then(function () {
    greeted = true;
    // A site the agent does not know yet is asked about in the agent's window first: no time limit.
    say(text.asking, 'searching');
    return agent.listKeys();
  }).then(function (keys) {
    folderInput.value = keys.folder;
    if (!agentRequestId) {
      say(text.found, 'found');
      return;
    }
    if (issued && keys.pending.indexOf(agentRequestId) < 0) {
      say(text.alreadyIssued, 'issued');
      return;
    }
    if (issued) {
      folderInput.disabled = true;
      say(text.issuedInstall, 'found');
    } else {
      say(text.found, 'found');
    }
    found.hidden = false;
    button.addEventListener('click', run);
  }, function (error) {
    if (agent) { agent.close(); }
    missing.hidden = false;
    // Nothing answers (or the agent refuses this site) vs. a program that greets like NCALayer but
    // has no kz.eds.toolkit.issuance (MODULE_NOT_FOUND): most likely the real NCALayer on its port.
    if (error && error.code === 'ORIGIN_NOT_ALLOWED') {
      say(text.refused, 'missing');
    } else if (greeted || (error && error.code === 'NOT_AN_AGENT')) {
      document.getElementById('agent-missing-why').textContent = text.otherAppWhy;
      say(text.otherApp, 'other-app');
    } else {
      say(text.missing, 'missing');
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
