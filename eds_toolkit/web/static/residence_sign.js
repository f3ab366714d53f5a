/* Signing in the cabinet with the SIGN key through eds agent (or NCALayer): an application by its applicant,
   or the owner's consent to one. The page holds the document's exact bytes (base64); the agent signs them
   with basics.sign (CMS with the document inside, only the signer's key offered: data-iin), the page sends
   the CMS to the server, which verifies it (chain, revocation, the signer's IIN) before the application is
   filed or the consent counts, and goes where it says.
   eds-agent-client.js and agent_signing.js are loaded before this file. */
(function () {
  'use strict';
  var page = window.EdsAgentSigning && window.EdsAgentSigning('[data-agent-sign]', '[data-sign-status]', {
    markState: true
  });
  if (!page) { return; }
  var data = page.data;

  function sign(agent) {
    page.say(data.signing, 'working');
    return agent.signWithSignKey(data.document, { iin: data.iin }).then(function (cms) {
      agent.close();
      page.say(data.checking, 'working');
      return page.post(data.postUrl, { cms: cms });
    });
  }

  page.button.addEventListener('click', function () { page.run(sign); });
})();
