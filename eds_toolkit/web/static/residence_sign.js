/* Signing an application in the cabinet with the SIGN key through eds agent (or NCALayer): the page holds
   the document's exact bytes (base64); the agent signs them with basics.sign (CMS with the document
   inside, only the applicant's key offered), the page sends the CMS to the server, which verifies it
   (chain, revocation, the applicant's IIN) before the application is filed, and goes where it says. */
(function () {
  'use strict';
  var section = document.querySelector('[data-agent-sign]');
  if (!section || typeof window.EdsAgent !== 'function') { return; }
  var data = section.dataset;
  var button = section.querySelector('button');
  var status = section.querySelector('[data-sign-status]');

  function say(message, kind) {
    status.textContent = message;
    status.className = kind || 'notice';
    status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    status.dataset.state = kind || 'notice';
  }

  function send(cms) {
    var form = new FormData();
    form.append('cms', cms);
    return fetch(data.postUrl, {
      method: 'POST', body: form, credentials: 'same-origin', headers: { 'X-CSRFToken': data.csrf }
    }).then(function (response) {
      return response.json();
    });
  }

  function sign() {
    var agent = new window.EdsAgent(data.agentUrl);
    button.disabled = true;
    say(data.searching, 'working');
    agent.connect(4000).catch(function () {
      throw { shown: data.noAgent };
    }).then(function () {
      say(data.signing, 'working');
      return agent.signWithSignKey(data.document, { iin: data.iin });
    }).then(function (cms) {
      agent.close();
      say(data.checking, 'working');
      return send(cms);
    }).then(function (answer) {
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

  button.addEventListener('click', sign);
})();
