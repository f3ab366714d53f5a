/* The cabinet's renewal page drives `eds agent` (eds-agent-client.js, loaded before this file):
   find the agent -> choose the folder holding the current keys -> the agent makes the new keys and
   CSRs (kept under data-request-id, so a retry gets the same keys) -> a one-time challenge from the
   server -> the agent signs it with the current AUTH key (commonUtils createCAdESFromBase64,
   AUTHENTICATION) -> POST the CMS and the CSRs (JSON) -> the agent installs the new certificates.
   A pair renewed earlier whose keys still wait in the agent (the page was closed before saving) is
   saved without asking the server again. Keys never leave the agent. */
(function () {
  'use strict';
  var section = document.getElementById('agent');
  if (!section || typeof window.EdsAgent !== 'function') { return; }
  var data = section.dataset;
  var text = document.getElementById('renewal-messages').dataset;
  var status = document.getElementById('agent-status');
  var found = document.getElementById('agent-found');
  var missing = document.getElementById('agent-missing');
  var done = document.getElementById('agent-done');
  var button = document.getElementById('renew-start');
  var folderInput = document.getElementById('agent_folder');
  var password = document.getElementById('agent_password');
  var passwordAgain = document.getElementById('agent_password_confirmation');
  var CONNECT_TIMEOUT_MS = 2500;
  var DETECT_TIMEOUT_MS = 6000;

  var agent = null;
  var requestId = data.requestId;  // the agent's id for the new keys of this renewal
  var issued = null;  // the server's new pair, once issued
  var busy = false;

  function say(message, state) {
    status.textContent = message;
    status.dataset.state = state;
    status.className = {
      error: 'error', missing: 'warning', unsaved: 'warning', searching: 'working', working: 'working'
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

  // POST JSON with the page's CSRF token; the answer's JSON, or the server's sentence as the error.
  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', body: JSON.stringify(body || {}),
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': data.csrf }
    }).catch(function () {
      throw ServerRefusal(text.network, 'network');
    }).then(function (response) {
      return response.json().catch(function () {
        // Not JSON: the CSRF check (an expired page) or a proxy's error page.
        throw ServerRefusal(response.status === 400 ? text.expired : text.network, 'http_' + response.status);
      }).then(function (answer) {
        if (response.status === 201) { return answer; }
        throw ServerRefusal(answer.detail || text.network, answer.code);
      });
    });
  }

  function baseName(path) {
    return String(path).split(/[\\/]/).pop();
  }

  function finished(result) {
    found.hidden = true;
    done.hidden = false;
    document.getElementById('agent-folder-used').textContent = result.folder;
    document.getElementById('new-auth-serial').textContent = issued.auth_serial;
    document.getElementById('new-sign-serial').textContent = issued.sign_serial;
    var list = document.getElementById('agent-files');
    list.textContent = '';
    result.files.forEach(function (file) {
      var item = document.createElement('li');
      item.textContent = baseName(file);
      item.className = 'agent-file';
      list.appendChild(item);
    });
    say(text.done, 'done');
  }

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
      default: return text.refused + ' ' + error.message;
    }
  }

  function person() {
    return {
      enrolmentId: requestId, iin: data.iin, surname: data.surname,
      givenName: data.givenName, patronymic: data.patronymic || undefined
    };
  }

  // The new keys and CSRs, a fresh challenge signed with the current AUTH key, the new pair.
  function renew() {
    say(text.choosing, 'working');
    return agent.chooseStore(folderInput.value.trim() || undefined).then(function (chosen) {
      folderInput.value = chosen.folder;
      say(text.making, 'working');
      return agent.makeRequests(person());
    }).then(function (requests) {
      return post(data.challengeUrl).then(function (challenge) {
        say(text.signing, 'working');
        return agent.createCAdESFromBase64('AUTHENTICATION', challenge.challenge_base64, false)
          .then(function (cms) {
            say(text.issuing, 'working');
            return post(data.renewUrl, {
              challenge_id: challenge.id, signed_challenge: cms,
              auth_csr: requests.authCsr, sign_csr: requests.signCsr
            });
          });
      });
    }).then(function (pair) { issued = pair; });
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
    var chosenPassword = password.value || undefined;  // empty: eds agent asks the citizen itself
    connect().then(function () {
      return issued ? null : renew();
    }).then(function () {
      say(text.installing, 'working');
      return agent.installCertificates({
        enrolmentId: requestId,
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

  function within(ms, promise) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { reject(new Error('no answer')); }, ms);
      promise.then(function (value) { clearTimeout(timer); resolve(value); },
        function (error) { clearTimeout(timer); reject(error); });
    });
  }

  section.hidden = false;
  within(DETECT_TIMEOUT_MS, connect()).then(function () {
    say(text.asking, 'searching');  // a site the agent does not know yet is asked about first
    return agent.listKeys();
  }).then(function (keys) {
    folderInput.value = keys.folder;
    if (data.unsavedRequestId && keys.pending.indexOf(data.unsavedRequestId) >= 0) {
      // Renewed earlier, never saved: the agent still holds the keys; save, do not renew again.
      requestId = data.unsavedRequestId;
      issued = JSON.parse(data.unsaved);
      folderInput.disabled = true;
      button.textContent = button.dataset.save;
      say(text.unsaved, 'unsaved');
    } else {
      say(text.found, 'found');
    }
    found.hidden = false;
    button.addEventListener('click', run);
  }, function (error) {
    if (agent) { agent.close(); }
    missing.hidden = false;
    say(error && error.code === 'ORIGIN_NOT_ALLOWED' ? text.originRefused : text.missing, 'missing');
  });
})();
