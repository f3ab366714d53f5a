/* Signing in with the AUTH certificate (the operators' console, the citizen's cabinet): ask the server
   for a one-time challenge, have eds agent (or NCALayer) sign it with the AUTH key
   (commonUtils.createCAdESFromBase64, detached), send the CMS back; the server checks the certificate
   (and, for the console, that it is an operator's), and the page goes where the answer says. */
(function () {
  'use strict';
  var section = document.querySelector('[data-challenge-signin]');
  if (!section || typeof window.EdsAgent !== 'function') { return; }
  var data = section.dataset;
  var button = section.querySelector('button');
  var status = section.querySelector('[data-signin-status]');

  function say(message, kind) {
    status.textContent = message;
    status.className = kind || 'notice';
    status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  }

  function post(url, fields) {
    var form = new FormData();
    Object.keys(fields).forEach(function (name) { form.append(name, fields[name]); });
    return fetch(url, {
      method: 'POST', body: form, credentials: 'same-origin', headers: { 'X-CSRFToken': data.csrf }
    }).then(function (response) {
      return response.json().then(function (body) { body.httpStatus = response.status; return body; });
    });
  }

  function signIn() {
    var agent = new window.EdsAgent(data.agentUrl);
    button.disabled = true;
    say(data.searching, 'working');
    var challenge = null;
    agent.connect(4000).catch(function () {
      throw { shown: data.noAgent };
    }).then(function () {
      return post(data.challengeUrl, {});
    }).then(function (issued) {
      challenge = issued;
      say(data.signing, 'working');
      return agent.signWithAuthKey(issued.challenge_base64);
    }).then(function (cms) {
      return post(data.signinUrl, { challenge_id: challenge.id, signed_challenge: cms, next: data.next });
    }).then(function (answer) {
      agent.close();
      if (answer.ok) {
        window.location.assign(answer.next);
        return;
      }
      say(answer.message, 'error');
      button.disabled = false;
    }).catch(function (error) {
      agent.close();
      var message = error && error.shown ? error.shown
        : (error && error.cancelled ? data.cancelled : data.failed + ' ' + ((error && error.message) || ''));
      say(message, 'error');
      button.disabled = false;
    });
  }

  button.addEventListener('click', signIn);
})();
