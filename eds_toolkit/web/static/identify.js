/* Identification pages: live camera, selfie hints, liveness challenges, ID-photo camera shot.
   Served as a static file (the CSP allows no inline script); every POST carries the CSRF token.
   Frames are sent as the camera captured them (not mirrored): only the preview is mirrored.
   Every text it shows comes from the page (#identify-texts, JSON in the page's language). */
(function () {
  'use strict';
  var root = document.getElementById('identify');
  if (!root) { return; }
  var csrf = root.dataset.csrf;
  var result = document.getElementById('result');
  var next = document.getElementById('next');
  var video = document.getElementById('camera');
  var box = document.getElementById('camera-box');
  var canvas = document.createElement('canvas');
  var island = document.getElementById('identify-texts');
  var texts = island ? JSON.parse(island.textContent) : {};

  /* The page's text for `key`, with {name} placeholders filled from `values`. */
  function say(key, values) {
    var text = texts[key] || '';
    Object.keys(values || {}).forEach(function (name) { text = text.split('{' + name + '}').join(values[name]); });
    return text;
  }

  function show(message, ok) {
    result.textContent = message;
    result.dataset.ok = ok ? 'true' : 'false';
    result.className = ok ? 'notice' : 'error';
  }

  /* "Checking…" while the server decides: plain text, neither the green of a pass nor the red of a refusal. */
  function working(message) {
    result.textContent = message;
    result.dataset.ok = '';
    result.className = 'working';
  }

  function hide(element) {
    if (!element) { return; }
    element.hidden = true;
    if ('disabled' in element) { element.disabled = true; }
  }

  /* The end of this page's step. Passed: the camera goes off, its buttons go, only "Continue" stays.
     No tries left (the enrolment is stopped): the page says the identification failed, the camera goes
     off, nothing that looks pressable is left but "Back to the start". False while tries are left. */
  function conclude(body) {
    var over = !body.ok && !!body.next;
    if (!body.ok && !over) { return false; }
    stopCamera();
    ['camera-box', 'hint', 'challenge', 'countdown', 'movements', 'more-time', 'capture', 'start', 'open-camera', 'upload-form'].forEach(function (id) {
      hide(document.getElementById(id));
    });
    Array.prototype.forEach.call(document.querySelectorAll('.fallback, .step-intro'), function (element) {
      if (over || element.classList.contains('fallback')) { hide(element); }
    });
    next.className = 'button';
    root.dataset.outcome = over ? 'stopped' : 'passed';
    if (over) {
      next.textContent = say('backToStart');
      result.setAttribute('role', 'alert');
      if (body.state === 'failed') {
        var heading = document.querySelector('main h1');
        if (heading) { heading.textContent = say('identificationFailed'); }
        document.title = say('identificationFailed');
      }
    }
    return true;
  }

  function finish(body) {
    show(body.message || '', !!body.ok);
    /* A face match referred to an officer: nothing more to send here; the review page says what happens. */
    if (body.state === 'face_review' && body.next) {
      stopCamera();
      root.dataset.outcome = 'referred';
      window.location.assign(body.next);
      return body;
    }
    if (body.next) {
      next.href = body.next;
      next.hidden = false;
    }
    conclude(body);
    return body;
  }

  /* POST with the CSRF header; the JSON answer, or a refusal-shaped object when there is none.
     A request that got no answer at all (the connection dropped) is sent once more, unchanged: for the
     video frames the server answers an identical resend (same nonce, same frames) with the first
     request's verdict, so the resend costs no attempt and does not spend the nonce twice. */
  function post(url, form, retries) {
    var left = retries === undefined ? 1 : retries;
    return fetch(url, {
      method: 'POST', body: form || new FormData(), credentials: 'same-origin',
      headers: { 'X-CSRFToken': csrf, 'Accept': 'application/json' }
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, message: say('serverAnswered', { status: response.status }) };
      });
    }, function () {
      if (left > 0) {
        return new Promise(function (resolve) { setTimeout(resolve, 500); }).then(function () {
          return post(url, form, left - 1);
        });
      }
      return { ok: false, message: say('connectionFailed') };
    });
  }

  /* The camera facing `facing`: 'user' (selfie, video) or 'environment' (the rear camera of a phone,
     for the identity card). A device that has no such camera, or refuses the wish, gets any camera. */
  function startCamera(facing) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.reject(new Error('no camera API'));
    }
    function open(wanted) {
      var constraints = { width: { ideal: 640 }, height: { ideal: 480 } };
      if (wanted) { constraints.facingMode = { ideal: wanted }; }
      return navigator.mediaDevices.getUserMedia({ video: constraints, audio: false });
    }
    return open(facing || 'user').catch(function (error) {
      var name = error && error.name;
      if (name === 'OverconstrainedError' || name === 'NotFoundError' || name === 'NotReadableError') {
        return open(null);
      }
      throw error;
    }).then(function (stream) {
      video.srcObject = stream;
      return video.play();
    }).then(function () {
      return new Promise(function (resolve) {
        (function wait() { if (video.videoWidth > 0) { resolve(); } else { setTimeout(wait, 50); } })();
      });
    });
  }

  /* The camera's name as the browser gives it (the service refuses virtual-camera programs). */
  function cameraName() {
    var tracks = video && video.srcObject && video.srcObject.getVideoTracks ? video.srcObject.getVideoTracks() : [];
    return tracks.length ? (tracks[0].label || '') : '';
  }

  function stopCamera() {
    if (video && video.srcObject) {
      video.srcObject.getTracks().forEach(function (track) { track.stop(); });
      video.srcObject = null;
    }
  }

  /* One JPEG of the current camera picture, at most 640 px wide (aspect kept). */
  function grab(quality) {
    var scale = Math.min(1, 640 / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) { canvas.toBlob(resolve, 'image/jpeg', quality || 0.85); });
  }

  function imageForm(blob) {
    var form = new FormData();
    form.append('image', blob, 'camera.jpg');
    return form;
  }

  function cameraFailed(element, key) {
    element.textContent = say(key);
    element.dataset.ok = 'false';
  }

  /* Forms post with fetch, so the decision appears on this page (they also work without JavaScript). */
  function enhanceUploadForm(onDone) {
    var form = document.getElementById('upload-form');
    if (!form) { return; }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var button = document.getElementById('upload');
      button.disabled = true;
      working(say('checkingPhoto'));
      post(form.action, new FormData(form)).then(finish).then(function (body) {
        button.disabled = !!body.ok || !!body.next;
        if (onDone) { onDone(body); }
      });
    });
  }

  function selfiePage() {
    var hint = document.getElementById('hint');
    var capture = document.getElementById('capture');
    var busy = null;  /* the hint request in flight: one request at a time */
    var paused = false;
    var done = false;
    var timer = null;

    function askHint() {
      if (busy || done || paused) { return; }
      busy = grab(0.8).then(function (blob) {
        return post(root.dataset.hintUrl, imageForm(blob), 0);
      }).then(function (body) {
        busy = null;
        if (done || paused) { return; }
        hint.textContent = body.message || '';
        hint.dataset.ok = body.ok ? 'true' : 'false';
        box.dataset.ok = body.ok ? 'true' : 'false';
      });
    }

    /* Passed, or no tries left: no more hints (conclude() has turned the camera off). */
    function stop(body) {
      if (body.ok || body.next) {
        done = true;
        clearInterval(timer);
      }
    }

    /* The photo instead of the live selfie is for browsers without this script: with a working camera
       it is not needed, and without one it would lead into the video check, which needs the camera. */
    var fallback = document.querySelector('.fallback');
    startCamera().then(function () {
      hide(fallback);
      capture.disabled = false;
      hint.textContent = say('lookingAtPicture');
      askHint();
      timer = setInterval(askHint, 1000);
    }, function () {
      hide(fallback);
      cameraFailed(hint, 'cameraFailedSelfie');
      hint.setAttribute('role', 'alert');
    });

    capture.addEventListener('click', function () {
      capture.disabled = true;
      paused = true;
      working(say('checkingSelfie'));
      Promise.resolve(busy).then(function () { return grab(0.9); }).then(function (blob) {
        return post(root.dataset.submitUrl, imageForm(blob));
      }).then(finish).then(function (body) {
        stop(body);
        paused = false;
        if (!body.ok && !body.next) { capture.disabled = false; }
      });
    });
    enhanceUploadForm(stop);
  }

  function videoPage() {
    var challengeLine = document.getElementById('challenge');
    var countdown = document.getElementById('countdown');
    var movements = document.getElementById('movements');
    var start = document.getElementById('start');
    var moreTime = document.getElementById('more-time');
    var timeLine = document.getElementById('time-per-movement');
    var maxFrames = parseInt(root.dataset.maxFrames, 10) || 120;
    var seconds = parseFloat(root.dataset.seconds) || 3;
    var maxSeconds = parseFloat(root.dataset.maxSeconds) || seconds;
    var MORE_TIME_STEP = 2;  /* seconds added per press of "I need more time" */
    var recording = null;    /* the recording in progress: { aborted: bool } */

    function showTime() {
      timeLine.textContent = say('timePerMovement', { seconds: seconds });
      moreTime.disabled = seconds >= maxSeconds;
    }

    function wait(ms, rec) {
      return new Promise(function (resolve) { setTimeout(resolve, rec && rec.aborted ? 0 : ms); });
    }

    /* "Starting in 3…": the citizen reads the first movement before the recording starts. */
    function getReady(rec) {
      var chain = Promise.resolve();
      [3, 2, 1].forEach(function (n) {
        chain = chain.then(function () {
          if (rec.aborted) { return null; }
          countdown.textContent = say('startsIn', { seconds: n });
          return wait(1000, rec);
        });
      });
      return chain;
    }

    /* The colour challenge: while recording, the screen around the camera shows the task's colours, each
       for its seconds, counted from the first frame (before it, the first colour). Their light on the
       face shows the server that this face is in front of this screen now. Each colour lasts at least
       0.6 s (the server's rule): at most 2 changes a second, below WCAG 2.3.1's three flashes.
       The colour shown is <html data-screen-colour="#rrggbb">, painted by identify.css. */
    function showColours(rec, colours) {
      var html = document.documentElement;
      if (!colours || !colours.length) { return function () {}; }
      function paint(rgb) {
        html.dataset.screenColour = rgb;
        html.style.setProperty('--screen-colour', rgb);
      }
      paint(colours[0].rgb);
      var timer = setInterval(function () {
        if (rec.aborted) { stop(); return; }
        var elapsed = rec.firstFrameAt === undefined ? 0 : (performance.now() - rec.firstFrameAt) / 1000;
        var end = 0;
        var rgb = colours[colours.length - 1].rgb;
        for (var i = 0; i < colours.length; i += 1) {
          end += colours[i].seconds;
          if (elapsed < end) { rgb = colours[i].rgb; break; }
        }
        if (html.dataset.screenColour !== rgb) { paint(rgb); }
      }, 20);
      function stop() {
        clearInterval(timer);
        delete html.dataset.screenColour;
        html.style.removeProperty('--screen-colour');
      }
      return stop;
    }

    /* Capture frames every `interval` ms for `seconds`, in order, with their times (ms since `t0`),
       showing the seconds left. Faster in a blink's slot: a blink lasts 80-300 ms. */
    function record(rec, slotSeconds, interval, t0, frames) {
      return new Promise(function (resolve) {
        var end = performance.now() + slotSeconds * 1000;
        var timer = setInterval(function () {
          var now = performance.now();
          if (rec.aborted || now >= end || frames.length >= maxFrames) {
            clearInterval(timer);
            resolve();
            return;
          }
          countdown.textContent = say('secondsLeft', { seconds: Math.ceil((end - now) / 1000) });
          if (rec.firstFrameAt === undefined) { rec.firstFrameAt = now; }
          var slot = { t: Math.round(now - t0), blob: null };
          frames.push(slot);
          slot.promise = grab(0.8).then(function (blob) { slot.blob = blob; });
        }, interval);
      });
    }

    /* The list of movements, the current one marked; a finished one gets a tick. */
    function listMovements(task) {
      movements.textContent = '';
      return task.challenges.map(function (challenge) {
        var item = document.createElement('li');
        item.textContent = challenge.text;
        movements.appendChild(item);
        return item;
      });
    }

    /* Frames a second in a blink's slot, within the frame budget the server accepts. */
    function blinkInterval(task) {
      var others = (task.challenges.length - 1) * task.seconds_per_challenge * 10;
      var rate = Math.min(25, Math.max(10, (maxFrames - others - 5) / task.seconds_per_challenge));
      return Math.round(1000 / rate);
    }

    function run(task) {
      var frames = [];
      var rec = { aborted: false };
      recording = rec;
      var items = listMovements(task);
      var t0 = 0;
      var stopColours = function () {};
      challengeLine.textContent = say('nowDo', { movement: task.challenges[0].text });
      var chain = getReady(rec).then(function () {
        t0 = performance.now();
        stopColours = showColours(rec, task.colours);
      });
      task.challenges.forEach(function (challenge, index) {
        chain = chain.then(function () {
          if (rec.aborted) { return null; }
          if (index > 0) {
            items[index - 1].className = 'done';
            items[index - 1].dataset.done = 'true';
          }
          items[index].className = 'current';
          challengeLine.textContent = (index + 1) + '/' + task.challenges.length + ': ' +
            say('nowDo', { movement: challenge.text });
          challengeLine.dataset.code = challenge.code;
          var interval = challenge.code === 'blink' ? blinkInterval(task) : 100;
          return record(rec, task.seconds_per_challenge, interval, t0, frames);
        });
      });
      return chain.then(function () {
        stopColours();
        return Promise.all(frames.map(function (slot) { return slot.promise; }));
      }).then(function () {
        recording = null;
        countdown.textContent = '';
        if (rec.aborted) { return { aborted: true }; }
        items[items.length - 1].className = 'done';
        items[items.length - 1].dataset.done = 'true';
        challengeLine.textContent = say('checkingVideo');
        challengeLine.dataset.code = '';
        var form = new FormData();
        form.append('nonce', task.nonce);
        form.append('camera', cameraName());
        var kept = frames.filter(function (slot) { return slot.blob; });
        var last = -1;
        kept = kept.filter(function (slot) { var ok = slot.t > last; if (ok) { last = slot.t; } return ok; });
        form.append('timestamps', kept.map(function (slot) { return slot.t; }).join(','));
        kept.forEach(function (slot, i) { form.append('frames', slot.blob, 'frame-' + i + '.jpg'); });
        return post(root.dataset.submitUrl, form);
      });
    }

    function begin() {
      start.disabled = true;
      working('');
      var form = new FormData();
      form.append('seconds_per_challenge', String(seconds));
      post(root.dataset.taskUrl, form).then(function (task) {
        if (!task.nonce) { return task; }
        seconds = task.seconds_per_challenge;
        maxSeconds = task.max_seconds_per_challenge || maxSeconds;
        showTime();
        return run(task);
      }).then(function (body) {
        if (body.aborted) {  /* "I need more time" during the recording: a new task, nothing sent */
          challengeLine.textContent = say('startingAgain', { seconds: seconds });
          begin();
          return;
        }
        finish(body);
        movements.textContent = '';
        challengeLine.textContent = body.ok ? say('done') : '';
        if (!body.ok && !body.next) {
          start.textContent = say('tryAgain');
          start.disabled = false;
        }
        if (body.ok || body.next) { moreTime.hidden = true; }
      });
    }

    showTime();
    moreTime.hidden = false;
    moreTime.addEventListener('click', function () {
      if (seconds >= maxSeconds) { return; }
      seconds = Math.min(maxSeconds, seconds + MORE_TIME_STEP);
      showTime();
      if (recording) { recording.aborted = true; }
    });

    startCamera().then(function () { start.disabled = false; }, function () {
      cameraFailed(challengeLine, 'cameraFailedVideo');
    });

    start.addEventListener('click', begin);
  }

  function idPhotoPage() {
    var open = document.getElementById('open-camera');
    var capture = document.getElementById('capture');
    open.hidden = false;
    open.addEventListener('click', function () {
      open.disabled = true;
      open.hidden = true;
      box.hidden = false;
      capture.hidden = false;
      startCamera('environment').then(function () { capture.disabled = false; }, function () {
        cameraFailed(result, 'cameraFailedIdPhoto');
      });
    });
    capture.addEventListener('click', function () {
      capture.disabled = true;
      working(say('comparingFaces'));
      grab(0.92).then(function (blob) {
        return post(root.dataset.submitUrl, imageForm(blob));
      }).then(finish).then(function (body) {
        if (!body.ok && !body.next) { capture.disabled = false; }
      });
    });
    enhanceUploadForm();
  }

  if (root.dataset.page === 'selfie') { selfiePage(); }
  if (root.dataset.page === 'video') { videoPage(); }
  if (root.dataset.page === 'id-photo') { idPhotoPage(); }
}());
