// The supervisors' monitor: read one live conversation (the peer is told), whisper to its
// peer, or join openly. The page's socket is in that conversation's monitor room only.
(function () {
  "use strict";
  var W = window.Warmline;
  var root = document.getElementById("monitor-app");
  if (!root) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var socket = W.connect();
  var watching = null;
  W.showConnection(socket, $("connection"));

  function read(conversationId, open) {
    $("monitor-error").textContent = "";
    var previous = watching;
    var leave = previous && previous !== conversationId
      ? W.call(socket, "monitor:leave", { conversation_id: previous }) : Promise.resolve();
    leave.then(function () {
      return W.call(socket, "monitor:join", { conversation_id: conversationId, open: !!open });
    }).then(function (ack) {
      if (!ack.ok) { $("monitor-error").textContent = ack.error.message; return; }
      watching = conversationId;
      $("watching").hidden = false;
      $("watching-id").textContent = "#" + conversationId;
      $("watching-status").textContent = open ? "You joined openly: the member was told." : "The peer knows you are reading.";
      var list = $("monitor-messages");
      list.textContent = "";
      ack.messages.forEach(function (m) { W.renderMessage(list, m, m.sender_role === "peer"); });
    });
  }

  root.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-conversation-id]");
    if (!button) { return; }
    read(Number(button.getAttribute("data-conversation-id")), button.classList.contains("monitor-open"));
  });
  socket.on("message:new", function (m) {
    if (m.conversation_id === watching) { W.renderMessage($("monitor-messages"), m, m.sender_role === "peer"); }
  });
  socket.on("chat:ended", function (data) {
    if (data.conversation_id === watching) { $("watching-status").textContent = "The conversation has ended."; }
  });
  socket.on("connect", function () { if (watching) { read(watching, false); } });
  $("whisper-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = $("whisper-body").value;
    if (!watching || !body.trim()) { return; }
    W.call(socket, "monitor:whisper", { conversation_id: watching, body: body }).then(function (ack) {
      $("whisper-status").textContent = ack.ok ? "Whispered to the peer." : ack.error.message;
      if (ack.ok) { $("whisper-body").value = ""; }
    });
  });
  $("stop-reading").addEventListener("click", function () {
    if (!watching) { return; }
    W.call(socket, "monitor:leave", { conversation_id: watching }).then(function () {
      watching = null;
      $("watching").hidden = true;
    });
  });
})();
