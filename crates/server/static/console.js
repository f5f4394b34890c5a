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

// Alerts arrive live: the header's badge counts them, and the alerts page
// lists them. EventSource resumes by itself after a drop. Opened once the
// page has loaded, so that the open stream never holds the page's load.
window.addEventListener("load", function () {
  var badge = document.getElementById("alert-badge");
  if (badge && window.EventSource) {
    var count = badge.querySelector(".count");
    var list = document.getElementById("alert-list");
    var source = new EventSource(badge.getAttribute("data-stream"));
    // A form's navigation waits behind an open stream in some browsers:
    // the stream closes first (the next page opens its own).
    document.addEventListener("submit", function () { source.close(); });
    window.addEventListener("pagehide", function () { source.close(); });
    source.addEventListener("alert", function (message) {
      var alert = JSON.parse(message.data);
      count.textContent = String(Number(count.textContent) + 1);
      badge.classList.add("fresh");
      if (list) {
        var item = document.createElement("li");
        var names = alert.watches.map(function (w) { return w.name; }).join(", ");
        var what;
        if (alert.report) {
          what = document.createElement("a");
          what.href = "/reports/" + encodeURIComponent(alert.report.agency) + "/" +
            encodeURIComponent(alert.report.report_id);
          what.textContent = alert.report.agency + "/" + alert.report.report_id;
        } else {
          what = document.createElement("span");
          what.textContent = "held by " + alert.held_by.agency + ": contact " + alert.held_by.contact;
        }
        item.appendChild(document.createTextNode(names + ": "));
        item.appendChild(what);
        list.insertBefore(item, list.firstChild);
        var empty = document.getElementById("alert-empty");
        if (empty) {
          empty.remove();
        }
      }
    });
  }
});
