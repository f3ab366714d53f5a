/* The cabinet's renewal page drives `eds agent` (eds-agent-client.js and agent_keystores.js, loaded
   before this file): find the agent -> choose the folder holding the current keys -> the agent makes
   the new keys and CSRs (kept under data-request-id, so a retry gets the same keys) -> a one-time
   challenge from the server -> the agent signs it with the current AUTH key (commonUtils
   createCAdESFromBase64, AUTHENTICATION) -> POST the CMS and the CSRs (JSON) -> the agent installs
   the new certificates. A pair renewed earlier whose keys still wait in the agent (the page was closed
   before saving) is saved without asking the server again. Keys never leave the agent. */
(function () {
  'use strict';
  var page = window.EdsAgentKeystores && window.EdsAgentKeystores('renewal-messages', 'renew-start');
  if (!page) { return; }
  var data = page.data;
  var text = page.text;
  var button = page.button;
  var folderInput = page.folderInput;

  var requestId = data.requestId;  // the agent's id for the new keys of this renewal
  var issued = null;  // the server's new pair, once issued

  // The new keys and CSRs, a fresh challenge signed with the current AUTH key, the new pair.
  function renew() {
    var agent = page.agent;
    page.say(text.choosing, 'working');
    return agent.chooseStore(folderInput.value.trim() || undefined).then(function (chosen) {
      folderInput.value = chosen.folder;
      page.say(text.making, 'working');
      return agent.makeRequests(page.person(requestId));
    }).then(function (requests) {
      return page.post(data.challengeUrl).then(function (challenge) {
        page.say(text.signing, 'working');
        return agent.createCAdESFromBase64('AUTHENTICATION', challenge.challenge_base64, false)
          .then(function (cms) {
            page.say(text.issuing, 'working');
            return page.post(data.renewUrl, {
              challenge_id: challenge.id, signed_challenge: cms,
              auth_csr: requests.authCsr, sign_csr: requests.signCsr
            });
          });
      });
    }).then(function (pair) { issued = pair; });
  }

  function shown() {
    document.getElementById('new-auth-serial').textContent = issued.auth_serial;
    document.getElementById('new-sign-serial').textContent = issued.sign_serial;
  }

  function run() {
    page.attempt(null, function () {
      return Promise.resolve(issued ? null : renew()).then(function () {
        return { enrolmentId: requestId, pair: issued };
      });
    }, shown);
  }

  page.detect(function (keys) {
    if (data.unsavedRequestId && keys.pending.indexOf(data.unsavedRequestId) >= 0) {
      // Renewed earlier, never saved: the agent still holds the keys; save, do not renew again.
      requestId = data.unsavedRequestId;
      issued = JSON.parse(data.unsaved);
      folderInput.disabled = true;
      button.textContent = button.dataset.save;
      page.say(text.unsaved, 'unsaved');
    } else {
      page.say(text.found, 'found');
    }
    page.offer(run);
  }, function (error) {
    page.say(error && error.code === 'ORIGIN_NOT_ALLOWED' ? text.originRefused : text.missing, 'missing');
  });
})();
