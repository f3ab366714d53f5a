/* The check after the SMS code (identify/check.html): the camera (getUserMedia, with its picture shown)
   and eds agent (eds-agent-client.js, loaded before this file). Without a working camera the way on to
   the selfie is hidden, so no try is spent on a step that cannot be done; a missing agent is only a
   warning (it is needed at the last step, and the server's keystores are the fallback).
   Every text comes from the page (#check-messages). Without JavaScript the page keeps its plain link. */
(function () {
  'use strict';
  var section = document.getElementById('device-check');
  if (!section) { return; }
  var text = document.getElementById('check-messages').dataset;
  var video = document.getElementById('camera');
  var box = document.getElementById('camera-box');
  var cameraStatus = document.getElementById('camera-status');
  var retry = document.getElementById('camera-retry');
  var help = document.getElementById('camera-help');
  var next = document.getElementById('continue');
  var agentStatus = document.getElementById('agent-check-status');
  var agentMissing = document.getElementById('agent-check-missing');
  var AGENT_TIMEOUT_MS = 2500;

  function say(element, message, state, style) {
    element.textContent = message;
    element.dataset.state = state;
    element.className = style;
  }

  function stopCamera() {
    if (video.srcObject) {
      video.srcObject.getTracks().forEach(function (track) { track.stop(); });
      video.srcObject = null;
    }
  }

  /* What went wrong, from the getUserMedia error's name: the citizen refused (or the page is not
     allowed), there is no camera, or it is busy / broken. */
  function cameraProblem(error) {
    var name = error && error.name;
    if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') { return 'denied'; }
    if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError' || name === 'no-api') { return 'missing'; }
    return 'busy';
  }

  function checkCamera() {
    next.hidden = true;
    retry.hidden = true;
    say(cameraStatus, text.cameraAsking, 'checking', 'working');
    var media = navigator.mediaDevices;
    var asked = media && media.getUserMedia
      ? media.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false })
      : Promise.reject({ name: 'no-api' });
    return asked.then(function (stream) {
      video.srcObject = stream;
      box.hidden = false;
      help.hidden = true;
      next.hidden = false;
      say(cameraStatus, text.cameraOk, 'ok', 'notice');
      cameraStatus.setAttribute('role', 'status');
      return video.play ? video.play() : null;
    }).catch(function (error) {
      if (cameraStatus.dataset.state === 'ok') { return; }  /* the picture only failed to autoplay */
      var problem = cameraProblem(error);
      stopCamera();
      box.hidden = true;
      help.hidden = false;
      retry.hidden = false;
      say(cameraStatus, text['camera' + problem.charAt(0).toUpperCase() + problem.slice(1)], problem, 'error');
      cameraStatus.setAttribute('role', 'alert');
    });
  }

  function checkAgent() {
    if (typeof window.EdsAgent !== 'function') { return Promise.resolve(); }
    say(agentStatus, text.agentSearching, 'searching', 'working');
    var agent = new window.EdsAgent(section.dataset.agentUrl);
    return agent.connect(AGENT_TIMEOUT_MS).then(function () {
      /* The first request from a site the agent does not know yet opens its "allow this site?" window;
         the answer may take the citizen a while, so no time limit here (the window closes itself). */
      say(agentStatus, text.agentAsking, 'asking', 'working');
      return agent.version().then(function () {
        agent.close();
        say(agentStatus, text.agentFound, 'found', 'notice');
      });
    }).catch(function (error) {
      var code = error && error.code;
      agent.close();
      if (code === 'ORIGIN_NOT_ALLOWED') {
        say(agentStatus, text.agentRefused, 'refused', 'warning');
      } else if (code === 'NOT_AN_AGENT' || code === 'MODULE_NOT_FOUND') {
        say(agentStatus, text.agentOtherApp, 'other-app', 'warning');
      } else {
        say(agentStatus, text.agentMissing, 'missing', 'warning');
      }
      agentMissing.hidden = false;
    });
  }

  retry.addEventListener('click', checkCamera);
  next.addEventListener('click', stopCamera);  /* the selfie page asks for the camera again */
  window.addEventListener('pagehide', stopCamera);
  checkCamera();
  checkAgent();
}());
