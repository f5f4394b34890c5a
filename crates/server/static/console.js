// Cordon console: progressive enhancement only. Every page reads and every
// form submits without this file; it adds plain-language messages to the
// browser's own field checks and takes keyboard and screen-reader users
// straight to what went wrong.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-pattern-message]").forEach(function (input) {
    input.addEventListener("input", function () {
      input.setCustomValidity("");
    });
    input.addEventListener("invalid", function () {
      if (input.validity.patternMismatch) {
        input.setCustomValidity(input.getAttribute("data-pattern-message"));
      }
    });
  });
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});
