/* Signing in with the AUTH certificate (the operators' console, the citizen's cabinet): ask the server
   for a one-time challenge, have eds agent (or NCALayer) sign it with the AUTH key
   (commonUtils.createCAdESFromBase64, detached), send the CMS back; the server checks the certificate
   (and, for the console, that it is an operator's), and the page goes where the answer says.
   eds-agent-client.js and agent_signing.js are loaded before this file. */
(function () {
  'use strict';
  var page = window.EdsAgentSigning && window.EdsAgentSigning('[data-challenge-signin]', '[data-signin-status]');
  if (!page) { return; }
  var data = page.data;

  function signIn(agent) {
    return page.post(data.challengeUrl, {}).then(function (challenge) {
      page.say(data.signing, 'working');
      return agent.signWithAuthKey(challenge.challenge_base64).then(function (cms) {
        return page.post(data.signinUrl, { challenge_id: challenge.id, signed_challenge: cms, next: data.next });
      });
    });
  }

  page.button.addEventListener('click', function () { page.run(signIn); });
})();
