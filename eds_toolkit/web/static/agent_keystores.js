/* What the pages on which `eds agent` saves certificates into keystores share (the certificates page,
   issuance.js; the cabinet's renewal page, renewal.js). Loaded after eds-agent-client.js and before
   the page's script, it gives window.EdsAgentKeystores(textsId, buttonId[, explainOwn]) for the page's
   #agent section: the status line, the agent's connection, the server's JSON, one try at the button
   (the two passwords, the install, the saved files) and the agent's refusals in the page's words. */
(function () {
  'use strict';
  var CONNECT_TIMEOUT_MS = 2500;
  var DETECT_TIMEOUT_MS = 6000;

  function ServerRefusal(message, code, answer) {
    var error = new Error(message);
    error.name = 'ServerRefusal';
    error.code = code;
    error.answer = answer;  // the server's JSON, when it gave one
    return error;
  }

  function baseName(path) {
    return String(path).split(/[\\/]/).pop();
  }

  // Settles within ``ms`` or rejects: a program on the agent's port that never answers is "not found".
  function within(ms, promise) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { reject(new Error('no answer')); }, ms);
      promise.then(function (value) { clearTimeout(timer); resolve(value); },
        function (error) { clearTimeout(timer); reject(error); });
    });
  }

  // eds agent explains in English (naming the folder or the password rule it applied); a page in
  // another language shows its own sentence for the agent's error code instead.
  function inPageLanguage(error, translated) {
    return document.documentElement.lang === 'en' || !translated ? error.message : translated;
  }

  /* `text`: the page's texts (a dataset); `button`: the one that starts a try; `explainOwn(error)`
     (optional): the page's sentence for an agent code only it meets, or nothing for the common one. */
  function KeystorePage(text, button, explainOwn) {
    this.section = document.getElementById('agent');
    this.data = this.section.dataset;
    this.text = text;
    this.button = button;
    this.status = document.getElementById('agent-status');
    this.found = document.getElementById('agent-found');
    this.missing = document.getElementById('agent-missing');
    this.done = document.getElementById('agent-done');
    this.folderInput = document.getElementById('agent_folder');
    this.password = document.getElementById('agent_password');
    this.passwordAgain = document.getElementById('agent_password_confirmation');
    this.agent = null;
    this.busy = false;
    this.explainOwn = explainOwn || null;
  }

  KeystorePage.prototype.say = function (message, state) {
    var status = this.status;
    status.textContent = message;
    status.dataset.state = state;
    // green only for good news; "not found" is something to fix, not a success (nor a failure)
    status.className = {
      error: 'error', missing: 'warning', 'other-app': 'warning', unsaved: 'warning',
      searching: 'working', working: 'working'
    }[state] || 'notice';
    status.setAttribute('role', state === 'error' ? 'alert' : 'status');
  };

  // Whom the agent makes the keys and CSRs for (the section's data), its keys kept under `enrolmentId`.
  KeystorePage.prototype.person = function (enrolmentId) {
    var data = this.data;
    return {
      enrolmentId: enrolmentId, iin: data.iin, surname: data.surname,
      givenName: data.givenName, patronymic: data.patronymic || undefined
    };
  };

  KeystorePage.prototype.connect = function () {
    var agent = this.agent;
    if (agent && agent.socket && agent.socket.readyState === 1) { return Promise.resolve(); }
    this.agent = new window.EdsAgent(this.data.agentUrl);
    return this.agent.connect(CONNECT_TIMEOUT_MS);
  };

  /* POST with the page's CSRF token, asking for JSON; `body` is a FormData (sent as is) or an object
     (sent as JSON). Resolves to the answer of a 201; otherwise rejects with a ServerRefusal: the
     server's sentence (its JSON as .answer), or the page's own for no connection, an answer that is
     not JSON (400: the CSRF check, an expired page; 429, where the page has that text). */
  KeystorePage.prototype.post = function (url, body) {
    var text = this.text;
    var form = typeof FormData === 'function' && body instanceof FormData;
    var headers = { 'Accept': 'application/json', 'X-CSRFToken': this.data.csrf };
    if (!form) { headers['Content-Type'] = 'application/json'; }
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', body: form ? body : JSON.stringify(body || {}),
      headers: headers
    }).catch(function () {
      throw ServerRefusal(text.network, 'network');
    }).then(function (response) {
      return response.json().catch(function () {
        // Not JSON: the CSRF check (an expired page) or a proxy's error page.
        var said = { 400: text.expired, 429: text.tooMany }[response.status] || text.network;
        throw ServerRefusal(said, 'http_' + response.status);
      }).then(function (answer) {
        if (response.status === 201) { return answer; }
        throw ServerRefusal(answer.detail || text.network, answer.code, answer);
      });
    });
  };

  // "eds agent refused:" and the agent's reason, in the page's words where it has them.
  KeystorePage.prototype.refused = function (error, translated) {
    return this.text.refused + ' ' + inPageLanguage(error, translated);
  };

  KeystorePage.prototype.explain = function (error) {
    var text = this.text;
    if (error.name === 'ServerRefusal') { return error.message; }
    if (error.cancelled) { return text.cancelled; }
    var own = this.explainOwn && this.explainOwn(error);
    if (own) { return own; }
    switch (error.code) {
      case 'AGENT_CLOSED': case 'AGENT_UNREACHABLE': case 'NOT_CONNECTED': return text.lost;
      case 'WEAK_PASSWORD': return text.weakPassword + ' ' + inPageLanguage(error, text.weakPasswordRules);
      case 'WRONG_PASSWORD': return this.refused(error, text.wrongPassword);
      case 'STORE_NOT_WRITABLE': return this.refused(error, text.storeNotWritable);
      case 'DISK_FULL': return this.refused(error, text.diskFull);
      default: return this.refused(error);
    }
  };

  // The keystores saved: the folder and the files' names, then the page's own part (`shown`).
  KeystorePage.prototype.finished = function (result, shown) {
    this.found.hidden = true;
    this.done.hidden = false;
    document.getElementById('agent-folder-used').textContent = result.folder;
    var list = document.getElementById('agent-files');
    list.textContent = '';
    result.files.forEach(function (file) {
      var item = document.createElement('li');
      item.textContent = baseName(file);
      item.className = 'agent-file';
      list.appendChild(item);
    });
    shown();
    this.say(this.text.done, 'done');
  };

  /* One try at the button: the two passwords must be the same; `opening` (if any) is said before the
     agent is reached; `steps()`, once it is, resolves to what to save ({enrolmentId, pair: the server's
     issued pair}); the agent saves it with the password typed, then `shown()` adds the page's part.
     A refusal is said and the button offered again; the passwords are never kept between tries. */
  KeystorePage.prototype.attempt = function (opening, steps, shown) {
    var page = this;
    var password = page.password;
    var passwordAgain = page.passwordAgain;
    if (page.busy) { return; }
    if (password.value !== passwordAgain.value) {
      page.say(page.text.differentPasswords, 'error');
      return;
    }
    page.busy = true;
    page.button.disabled = true;
    page.status.dataset.attempt = String(Number(page.status.dataset.attempt || 0) + 1);  // tells one try from the next
    if (opening) { page.say(opening, 'working'); }
    var chosenPassword = password.value || undefined;  // empty: eds agent asks the citizen itself
    page.connect().then(steps).then(function (saving) {
      page.say(page.text.installing, 'working');
      return page.agent.installCertificates({
        enrolmentId: saving.enrolmentId,
        authCertificate: saving.pair.auth_certificate,
        signCertificate: saving.pair.sign_certificate,
        chain: saving.pair.chain,
        password: chosenPassword
      });
    }).then(function (result) {
      page.finished(result, shown);
    }, function (error) {
      page.say(page.explain(error), 'error');
      page.button.disabled = false;
    }).then(function () {
      password.value = '';
      passwordAgain.value = '';
      page.busy = false;
    });
  };

  /* Shows the section and looks for the agent: `ready(keys)` once it answers with its keys (the
     folder field already holds its folder); `absent(error, greeted)` when it does not, or refuses,
     `greeted` telling whether something on its address answered NCALayer's greeting. */
  KeystorePage.prototype.detect = function (ready, absent) {
    var page = this;
    var greeted = false;
    page.section.hidden = false;
    within(DETECT_TIMEOUT_MS, page.connect()).then(function () {
      greeted = true;
      // A site the agent does not know yet is asked about in the agent's window first: no time limit.
      page.say(page.text.asking, 'searching');
      return page.agent.listKeys();
    }).then(function (keys) {
      page.folderInput.value = keys.folder;
      ready(keys);
    }, function (error) {
      if (page.agent) { page.agent.close(); }
      page.missing.hidden = false;
      absent(error, greeted);
    });
  };

  // The folder and password fields and the button, which now starts `run`.
  KeystorePage.prototype.offer = function (run) {
    this.found.hidden = false;
    this.button.addEventListener('click', run);
  };

  /* The page's #agent section, with its texts in the element #`textsId` and its button #`buttonId`;
     null on a page without that section or without the agent's client. */
  window.EdsAgentKeystores = function (textsId, buttonId, explainOwn) {
    if (!document.getElementById('agent') || typeof window.EdsAgent !== 'function') { return null; }
    var text = document.getElementById(textsId).dataset;
    return new KeystorePage(text, document.getElementById(buttonId), explainOwn);
  };
})();
