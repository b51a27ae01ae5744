// Getting a person's attention on a staff page: counts in the tab title, a short chime
// (on unless they turned it off), and a desktop notification while the tab is hidden, once
// they allowed it. Used by the console and by the coordinators' and moderators' alerts.
(function () {
  "use strict";
  var W = window.Warmline = window.Warmline || {};
  if (W.attention) { return; }  // loaded by the page and by the staff alerts: once is enough
  var script = document.currentScript;
  var chimeUrl = script ? script.src.replace(/js\/attention\.js(\?.*)?$/, "sounds/chime.wav") : "/static/sounds/chime.wav";
  var baseTitle = document.title;
  var counts = [];  // [{key, n, words}] in the order first set

  function renderTitle() {
    var parts = counts.filter(function (c) { return c.n > 0; }).map(function (c) {
      var words = typeof c.words === "string" ? c.words : c.words[c.n === 1 ? 0 : 1];
      return c.n + " " + words;
    });
    document.title = parts.length ? parts.join(" · ") + " · " + baseTitle : baseTitle;
  }

  // The person's choice is kept on the server (PATCH /api/v1/me/preferences); the page
  // carries it in data-alert-sound.
  var holder = document.querySelector("[data-alert-sound]");
  var sound = !holder || holder.getAttribute("data-alert-sound") !== "off";

  function soundOn() { return sound; }

  function chime() {
    if (!soundOn() || !window.Audio) { return; }
    try {
      var played = new window.Audio(chimeUrl).play();
      if (played && played.catch) { played.catch(function () { /* autoplay refused before a click */ }); }
    } catch (e) { /* no audio here */ }
  }

  function canNotify() { return "Notification" in window; }

  function notify(title, body, tag, onClick) {
    if (!canNotify() || window.Notification.permission !== "granted" || !document.hidden) { return null; }
    try {
      var n = new window.Notification(title, { body: body || "", tag: tag || undefined });
      n.onclick = function () { window.focus(); if (onClick) { onClick(); } n.close(); };
      return n;
    } catch (e) { return null; }
  }

  W.attention = {
    // `words` says what is counted ("waiting", or ["new alert", "new alerts"]): shown as
    // "2 waiting · 1 unread · <title>".
    count: function (key, n, words) {
      var found = counts.filter(function (c) { return c.key === key; })[0];
      if (!found) { found = { key: key }; counts.push(found); }
      found.n = n;
      found.words = words || key;
      renderTitle();
    },
    // Something needs this person now: chime, and notify if they are looking elsewhere.
    alert: function (title, body, tag, onClick) {
      chime();
      return notify(title, body, tag, onClick);
    },
    // A lasting line in the page's alert area (#alerts, or an element with data-alerts).
    show: function (text, href) {
      var box = document.querySelector("[data-alerts]") || document.getElementById("alerts");
      if (!box) { return; }
      var p = document.createElement("p");
      p.className = "alert error";
      var target = p;
      if (href) { target = document.createElement("a"); target.href = href; p.appendChild(target); }
      target.textContent = text;
      box.appendChild(p);
    },
    soundOn: soundOn,
    setSound: function (on) {
      sound = on;
      return fetch("/api/v1/me/preferences", {
        method: "PATCH", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": W.csrfToken() },
        body: JSON.stringify({ alert_sound: on })
      }).then(function (r) { return r.json(); });
    },
    // Binds the alert settings controls inside `root` (a sound checkbox, a notifications button).
    bindSettings: function (root) {
      var toggle = root.querySelector("[data-sound-toggle]");
      if (toggle) {
        toggle.checked = soundOn();
        toggle.addEventListener("change", function () { W.attention.setSound(toggle.checked); if (toggle.checked) { chime(); } });
      }
      var ask = root.querySelector("[data-notifications]");
      var status = root.querySelector("[data-notifications-status]");
      function show() {
        var state = canNotify() ? window.Notification.permission : "unsupported";
        if (ask) { ask.hidden = state !== "default"; }
        if (status) {
          status.textContent = state === "granted" ? "Desktop notifications are on while this tab is in the background."
            : state === "denied" ? "Desktop notifications are blocked in this browser's site settings."
            : state === "unsupported" ? "This browser cannot show desktop notifications." : "";
        }
      }
      if (ask) {
        ask.addEventListener("click", function () {
          var asked = window.Notification.requestPermission(show);
          if (asked && asked.then) { asked.then(show); }
        });
      }
      show();
    }
  };
})();
