/* What the pages on which `eds agent` (or NCALayer) signs and the page sends the signature share
   (signing in with the AUTH key, challenge_signin.js; signing an application, residence_sign.js).
   Loaded after eds-agent-client.js and before the page's script, it gives
   window.EdsAgentSigning(sectionSelector, statusSelector[, options]) for the page's section: one
   button, one status line, one try (reach the agent, the page's steps, go where the server says). */
(function () {
  'use strict';
  var CONNECT_TIMEOUT_MS = 4000;

  /* `section`: the element whose data holds the agent's URL, the CSRF token and the texts (searching,
     noAgent, cancelled, failed); `status`: the status line; `options.markState`: the status line
     also carries its kind as data-state. */
  function SigningPage(section, status, options) {
    this.data = section.dataset;
    this.button = section.querySelector('button');
    this.status = status;
    this.markState = Boolean(options && options.markState);
  }

  SigningPage.prototype.say = function (message, kind) {
    var status = this.status;
    status.textContent = message;
    status.className = kind || 'notice';
    status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    if (this.markState) { status.dataset.state = kind || 'notice'; }
  };

  // POST `fields` as a form with the page's CSRF token; resolves to the server's JSON answer.
  SigningPage.prototype.post = function (url, fields) {
    var form = new FormData();
    Object.keys(fields).forEach(function (name) { form.append(name, fields[name]); });
    return fetch(url, {
      method: 'POST', body: form, credentials: 'same-origin', headers: { 'X-CSRFToken': this.data.csrf }
    }).then(function (response) {
      return response.json();
    });
  };

  /* One try at the button: reach the agent, then `steps(agent)` resolves to the server's answer
     ({ok, next} or {message}); the page goes to `next`, or says why not and offers the button again. */
  SigningPage.prototype.run = function (steps) {
    var page = this;
    var data = page.data;
    var agent = new window.EdsAgent(data.agentUrl);
    page.button.disabled = true;
    page.say(data.searching, 'working');
    agent.connect(CONNECT_TIMEOUT_MS).catch(function () {
      throw { shown: data.noAgent };
    }).then(function () {
      return steps(agent);
    }).then(function (answer) {
      agent.close();
      if (answer.ok) {
        window.location.assign(answer.next);
        return;
      }
      page.say(answer.message, 'error');
      page.button.disabled = false;
    }).catch(function (error) {
      agent.close();
      var message = error && error.shown ? error.shown
        : (error && error.cancelled ? data.cancelled : data.failed + ' ' + ((error && error.message) || ''));
      page.say(message, 'error');
      page.button.disabled = false;
    });
  };

  /* The page's section (the element matching `sectionSelector`) and its status line (matching
     `statusSelector` inside it); null on a page without that section or without the agent's client. */
  window.EdsAgentSigning = function (sectionSelector, statusSelector, options) {
    var section = document.querySelector(sectionSelector);
    if (!section || typeof window.EdsAgent !== 'function') { return null; }
    return new SigningPage(section, section.querySelector(statusSelector), options);
  };
})();
