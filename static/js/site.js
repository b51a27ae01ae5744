// Every page: the quick exit (button and Escape key) and the CSRF token for fetch().
(function () {
  "use strict";

  function quickExit(event) {
    var link = document.getElementById("quick-exit");
    var url = (link && link.getAttribute("data-exit-url")) || "https://weather.com/";
    if (event) { event.preventDefault(); }
    // Unsent chat messages are kept for reloads; leaving in a hurry must not leave them behind.
    try { window.sessionStorage.clear(); } catch (e) { /* storage off */ }
    // Hide the page at once, then replace this history entry so Back does not return here.
    document.documentElement.classList.add("exiting");
    window.location.replace(url);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var link = document.getElementById("quick-exit");
    if (link) { link.addEventListener("click", quickExit); }
  });

  // Escape leaves only member-facing pages: on staff pages (the console) it is the
  // person's own key, and leaving would drop their draft and their member.
  document.addEventListener("keydown", function (event) {
    if (document.body && document.body.hasAttribute("data-staff-page")) { return; }
    if (event.key === "Escape" || event.key === "Esc") { quickExit(event); }
  });

  window.Warmline = window.Warmline || {};
  window.Warmline.csrfToken = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  };
  window.Warmline.quickExit = quickExit;
})();
