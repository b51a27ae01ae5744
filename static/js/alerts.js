// Coordinators, on every page: escalations and unanswered chats arrive as alerts at once.
(function () {
  "use strict";
  var box = document.getElementById("alerts");
  if (!box || !window.io) { return; }
  // The console and chat pages open their own socket; a second one here would be redundant.
  if (document.getElementById("console-app") || document.getElementById("chat-app")) { return; }
  var socket = window.io("/chat", { auth: { csrf_token: window.Warmline.csrfToken() } });
  var link = box.getAttribute("data-escalations-url");

  function alertWith(text, href) {
    var p = document.createElement("p");
    p.className = "alert error";
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    p.appendChild(a);
    box.appendChild(p);
  }

  socket.on("escalation:new", function (data) {
    alertWith("New " + data.risk_level + " escalation #" + data.escalation_id + ": review and acknowledge", link + "/" + data.escalation_id);
  });
  socket.on("escalation:unacknowledged", function (data) {
    alertWith("Escalation #" + data.escalation_id + " is still unacknowledged", link + "/" + data.escalation_id);
  });
  socket.on("shift:request", function () {
    alertWith("A peer asked to drop or swap a shift", "/shifts");
  });
  socket.on("coordinator:alert", function (data) {
    if (data.kind === "unanswered") { alertWith("A chat went unanswered and is back in the queue", link); }
    if (data.kind === "survey_risk") { alertWith("A member's survey comment reads as " + data.risk + " risk: read it now", "/reports/comments"); }
  });
})();
