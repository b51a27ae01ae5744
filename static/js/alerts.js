// Coordinators and moderators, on every page: escalations, unanswered chats and forum posts
// held as urgent arrive at once: a line in the alert area, a chime, a count in the tab title
// until they look, and a desktop notification while the tab is in the background.
(function () {
  "use strict";
  var W = window.Warmline;
  var box = document.getElementById("alerts");
  if (!box || !window.io || !W.attention) { return; }
  // The console and chat pages open their own socket; a second one here would be redundant.
  if (document.getElementById("console-app") || document.getElementById("chat-app")) { return; }
  var socket = window.io("/chat", { auth: { csrf_token: W.csrfToken() } });
  var link = box.getAttribute("data-escalations-url");
  socket.on("connect", function () { box.setAttribute("data-connected", ""); });
  socket.on("disconnect", function () { box.removeAttribute("data-connected"); });
  var unseen = 0;

  // The settings sit after the live region, not inside it (controls must not be announced).
  var settings = document.createElement("div");
  settings.className = "alert-settings";
  var label = document.createElement("label");
  var sound = document.createElement("input");
  sound.type = "checkbox";
  sound.setAttribute("data-sound-toggle", "");
  label.appendChild(sound);
  label.appendChild(document.createTextNode(" Sound for alerts"));
  var ask = document.createElement("button");
  ask.type = "button";
  ask.className = "secondary";
  ask.setAttribute("data-notifications", "");
  ask.textContent = "Turn on desktop notifications";
  var status = document.createElement("span");
  status.className = "help";
  status.setAttribute("data-notifications-status", "");
  settings.appendChild(label);
  settings.appendChild(ask);
  settings.appendChild(status);
  box.parentNode.insertBefore(settings, box.nextSibling);
  W.attention.bindSettings(settings);

  function raise(text, href, title, tag) {
    W.attention.show(text, href);
    if (document.hidden) { unseen += 1; W.attention.count("alerts", unseen, ["new alert", "new alerts"]); }
    W.attention.alert(title || text, "", tag, function () { if (href) { window.location.href = href; } });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && unseen) { unseen = 0; W.attention.count("alerts", 0, ["new alert", "new alerts"]); }
  });

  socket.on("escalation:new", function (data) {
    raise("New " + data.risk_level + " escalation #" + data.escalation_id + ": review and acknowledge",
      link + "/" + data.escalation_id, "New " + data.risk_level + " escalation", "escalation-" + data.escalation_id);
  });
  socket.on("escalation:unacknowledged", function (data) {
    raise("Escalation #" + data.escalation_id + " is still unacknowledged", link + "/" + data.escalation_id,
      "Escalation still unacknowledged", "escalation-" + data.escalation_id);
  });
  socket.on("post:urgent", function (data) {
    raise("A forum post was held at " + data.risk + " risk: review it now", data.url, "Urgent forum post held", "post-" + data.post_id);
  });
  socket.on("shift:request", function () {
    raise("A peer asked to drop or swap a shift", "/shifts");
  });
  socket.on("coordinator:alert", function (data) {
    if (data.kind === "unanswered") { raise("A chat went unanswered and is back in the queue", link); }
    if (data.kind === "survey_risk") { raise("A member's survey comment reads as " + data.risk + " risk: read it now", "/reports/comments"); }
  });
})();
