/* Moves the focus to the page's decision (the error or notice a POST answered with, base.html's
   [data-decision]), so a screen reader reads it first and the keyboard starts from it. */
(function () {
  'use strict';
  var decision = document.querySelector('[data-decision]');
  if (decision) { decision.focus(); }
})();
