// Every page: the quick exit (button, and Escape on member-facing pages) and the CSRF token
// for fetch().
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function quickExit(event) {
    var link = document.getElementById("quick-exit");
    var url = (link && link.getAttribute("data-exit-url")) || "https://weather.com/";
    if (event) { event.preventDefault(); }
    // Hide the page at once; what was typed and not sent goes, and so do drafts kept for reloads.
    document.documentElement.classList.add("exiting");
    Array.prototype.forEach.call(document.querySelectorAll("textarea, input:not([type=hidden]):not([type=radio]):not([type=checkbox])"), function (field) {
      field.value = "";
    });
    try { window.sessionStorage.clear(); } catch (e) { /* storage off */ }
    // Lock this browser (the server tells the peer of an open chat). keepalive lets the
    // request outlive the page it leaves.
    if (document.body && document.body.hasAttribute("data-signed-in")) {
      try {
        fetch("/api/v1/me/quick-exit", {
          method: "POST", keepalive: true, credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() }, body: "{}"
        }).catch(function () {});
      } catch (e) { /* no fetch: the page still leaves */ }
    }
    // Replace this history entry so Back does not return here.
    window.location.replace(url);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var link = document.getElementById("quick-exit");
    if (link) { link.addEventListener("click", quickExit); }
  });

  // Escape leaves only member-facing pages: on staff pages (the console) it is the
  // person's own key, and leaving would drop their draft and their member.
  document.addEventListener("keydown", function (event) {
    // Staff pages (no data-member-page) keep Escape for closing things.
    if (!document.body || !document.body.hasAttribute("data-member-page")) { return; }
    if (event.key === "Escape" || event.key === "Esc") { quickExit(event); }
  });

  // Member-facing words for scripts come from the page (translated there), never from JS.
  var strings = null;
  function t(key, fallback) {
    if (strings === null) {
      var node = document.getElementById("page-strings");
      try { strings = node ? JSON.parse(node.textContent) : {}; } catch (e) { strings = {}; }
    }
    return Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : fallback;
  }

  window.Warmline = window.Warmline || {};
  window.Warmline.csrfToken = csrfToken;
  window.Warmline.quickExit = quickExit;
  window.Warmline.t = t;
})();
