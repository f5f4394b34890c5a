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
    // An orange notice (or a reminder of one) is shown above the page at
    // once, linking to where it is acknowledged.
    source.addEventListener("orange_notice", function (message) {
      var notice = JSON.parse(message.data);
      var banner = document.createElement("div");
      banner.className = "orange-banner";
      banner.setAttribute("role", "alert");
      var link = document.createElement("a");
      link.href = "/orange-notices/" + encodeURIComponent(notice.id);
      link.textContent = (notice.reminder ? "Reminder — orange notice from " : "Orange notice from ") +
        notice.agency + ": " + notice.title;
      banner.appendChild(link);
      var main = document.getElementById("main");
      (main || document.body).insertBefore(banner, (main || document.body).firstChild);
    });
    // On the alerts page, what arrives is listed newest first.
    var listed = function (item) {
      list.insertBefore(item, list.firstChild);
      var empty = document.getElementById("alert-empty");
      if (empty) {
        empty.remove();
      }
    };
    // Another agency's query or watch touched your RED data.
    source.addEventListener("interest", function (message) {
      var interest = JSON.parse(message.data);
      if (list) {
        var item = document.createElement("li");
        item.textContent = "interest in your RED data: " + interest.by_agency + " (" + interest.how +
          ") touched " + interest.reports.join(", ") + "; contact " + interest.by_contact;
        listed(item);
      }
    });
    // A case of your agency is past its stage's target: shown above the
    // page at once (and listed on the alerts page), linking to the case.
    // The stages' words come with the page (data-stages).
    var stages = {};
    try {
      stages = JSON.parse(badge.getAttribute("data-stages") || "{}");
    } catch (e) {
      stages = {};
    }
    source.addEventListener("case_overdue", function (message) {
      var overdue = JSON.parse(message.data);
      var stage = stages[overdue.stage] || String(overdue.stage).replace(/_/g, " ");
      var to = overdue.level === "supervisors" ? "their supervisors" : "the assigned agencies";
      var line = function () {
        var link = document.createElement("a");
        link.href = "/cases/" + encodeURIComponent(overdue.case);
        link.textContent = "Case " + overdue.case + " is overdue in " + stage + ": escalated to " + to;
        return link;
      };
      var banner = document.createElement("div");
      banner.className = "overdue-banner";
      banner.setAttribute("role", "alert");
      banner.appendChild(line());
      var main = document.getElementById("main");
      (main || document.body).insertBefore(banner, (main || document.body).firstChild);
      if (list) {
        var item = document.createElement("li");
        item.className = "overdue";
        item.appendChild(line());
        listed(item);
      }
    });
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
        listed(item);
      }
    });
  }
});
