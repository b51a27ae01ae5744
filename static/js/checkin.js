// The member's follow-up check-ins: the offer at the end of a chat, and a peer's check-in
// message arriving while they are here. The words come from the page (translatable there).
(function () {
  "use strict";
  var W = window.Warmline;
  var form = document.getElementById("checkin-form");
  var socket = W.memberSocket;
  if (!form || !socket) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var endedConversation = null;

  socket.on("chat:ended", function (data) {
    endedConversation = data.conversation_id;
    form.hidden = data.reason === "member_left";
    $("checkin-status").textContent = "";
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!endedConversation) { return; }
    var choice = form.querySelector('input[name="checkin_when"]:checked').value;
    var payload = { conversation_id: endedConversation };
    if (choice === "at") {
      var when = new Date($("checkin-at").value);
      if (isNaN(when)) { $("checkin-at").focus(); return; }
      payload.at = when.toISOString();
    } else {
      payload.when = choice;
    }
    fetch("/api/v1/me/checkins", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": W.csrfToken() },
      body: JSON.stringify(payload)
    }).then(function (r) { return r.json(); }).then(function (body) {
      var status = $("checkin-status");
      if (!body.ok) { status.textContent = body.error.message; return; }
      var when = new Date(body.checkin.due_at).toLocaleString([], { weekday: "long", hour: "2-digit", minute: "2-digit", timeZone: W.time.zone });
      status.textContent = status.getAttribute("data-done").replace("{when}", when);
      form.querySelector("button[type=submit]").disabled = true;
    });
  });

  socket.on("checkin:message", function (checkin) {
    var item = document.createElement("li");
    var who = document.createElement("strong");
    who.textContent = checkin.peer_handle || "";
    var body = document.createElement("p");
    body.className = "pre";
    body.textContent = checkin.body;
    item.appendChild(who);
    item.appendChild(body);
    $("checkin-messages").appendChild(item);
    $("checkin-notice").hidden = false;
  });
})();
