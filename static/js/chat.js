// The member's chat: ask for a peer, wait with honest information, talk, resume after a
// reload or a dropped connection without losing or repeating a message.
(function () {
  "use strict";
  var W = window.Warmline;
  var app = document.getElementById("chat-app");
  if (!app) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var sections = ["closed", "start", "waiting", "conversation", "ended"];
  var socket = W.connect();
  W.memberSocket = socket;  // shared with checkin.js
  var list = $("messages");
  var conversationId = null, outbox = null, waitingSince = null, reminderTimer = null, optionsTimer = null;
  var waitOptionsAfter = Number(app.getAttribute("data-wait-options-after")) * 1000;

  function show(name) {
    sections.forEach(function (s) { $(s).hidden = s !== name; });
    if (name !== "waiting") { window.clearInterval(reminderTimer); window.clearTimeout(optionsTimer); }
    if (name !== "waiting" && name !== "conversation") { $("danger").hidden = true; }
  }

  function showStartOrClosed() {
    fetch("/api/v1/status", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (status) {
      if (status.open) { show("start"); return; }
      $("next-open").textContent = status.next_open_at
        ? W.t("next_open", "The next peer is on from {time}.").replace("{time}", W.time.words(status.next_open_at))
        : W.t("next_open_unknown", "We don't know yet when the next peer is on.");
      show("closed");
    });
  }

  function setWaiting(position, minutes) {
    var text = position === 1 ? W.t("position_next", "You are next in line.")
      : W.t("position_n", "You are number {n} in line.").replace("{n}", position);
    if (minutes === 0) { text += " " + W.t("wait_now", "A peer should be with you in a moment."); }
    else if (minutes === 1) { text += " " + W.t("wait_minute", "Estimated wait: about 1 minute."); }
    else if (minutes) { text += " " + W.t("wait_minutes", "Estimated wait: about {n} minutes.").replace("{n}", minutes); }
    else { text += " " + W.t("wait_unknown", "All peers are busy; we can't estimate the wait yet."); }
    $("position").textContent = text;
  }

  function startWaiting() {
    if (!$("waiting").hidden) { return; }
    show("waiting");
    waitingSince = Date.now();
    reminderTimer = window.setInterval(function () {
      $("wait-988").textContent = W.t("still_waiting", "Still waiting. If you need someone right now, call or text 988 any time.");
    }, 3 * 60 * 1000);
    optionsTimer = window.setTimeout(function () { $("wait-options").hidden = false; }, waitOptionsAfter);
  }

  function openConversation(conversation) {
    conversationId = conversation.id;
    outbox = new W.Outbox(conversationId);
    if (conversation.status === "waiting") { startWaiting(); return; }
    if (conversation.status === "active") {
      $("peer-handle").textContent = conversation.peer_handle || W.t("a_peer", "a peer");
      show("conversation");
      W.call(socket, "chat:resume", { conversation_id: conversationId, after_seq: W.lastSeq(list) }).then(function (ack) {
        if (!ack.ok) { return; }
        ack.messages.forEach(function (m) { W.renderMessage(list, m, m.sender_role === "member"); });
        W.flush(socket, outbox, list);
      });
    }
  }

  socket.on("connect", function () {
    W.call(socket, "chat:state").then(function (state) {
      if (!state.ok) { return; }
      if (state.conversation) {
        openConversation(state.conversation);
        if (state.position) { setWaiting(state.position, state.estimated_wait_minutes); }
      } else if ($("conversation").hidden && $("ended").hidden) {
        showStartOrClosed();
      }
    });
  });
  W.showConnection(socket, $("connection"));

  $("request-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var danger = document.querySelector('input[name="in_danger"]:checked');
    var inDanger = danger ? danger.value === "yes" : false;
    $("request-button").disabled = true;
    W.call(socket, "chat:request", { topic: $("topic").value, in_danger: inDanger, same_peer: !!($("same-peer") && $("same-peer").checked) }).then(function (ack) {
      $("request-button").disabled = false;
      if (!ack.ok) {
        if (ack.error.code === "closed") { showStartOrClosed(); } else { $("position").textContent = ack.error.message; }
        return;
      }
      list.textContent = "";
      openConversation({ id: ack.conversation_id, status: ack.status });
      setWaiting(ack.position, ack.estimated_wait_minutes);
      if (inDanger) { $("danger").hidden = false; }
    });
  });

  socket.on("chat:queued", function (data) {
    if (data.conversation_id !== conversationId) { return; }
    startWaiting();
    setWaiting(data.position, data.estimated_wait_minutes);
  });
  socket.on("chat:requeued", function (data) {
    if (data.conversation_id !== conversationId) { return; }
    show("waiting");
    $("position").textContent = data.reason === "peer_disconnected"
      ? W.t("requeued_peer_lost", "Your peer lost their connection. You are back at the front of the line.")
      : W.t("requeued", "We're finding you another peer. You are at the front of the line.");
  });
  socket.on("chat:assigned", function (data) {
    if (data.conversation_id !== conversationId) { return; }
    openConversation({ id: data.conversation_id, status: "active", peer_handle: data.peer_handle });
    $("body").focus();
  });
  socket.on("message:new", function (m) {
    if (m.conversation_id === conversationId) { W.renderMessage(list, m, m.sender_role === "member"); $("typing").textContent = ""; }
  });
  var typingTimer = null;
  socket.on("typing", function (data) {
    if (data.conversation_id !== conversationId) { return; }
    $("typing").textContent = data.typing ? W.t("typing", "{handle} is typing…").replace("{handle}", $("peer-handle").textContent) : "";
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(function () { $("typing").textContent = ""; }, 8000);
  });
  socket.on("presence", function (data) {
    if (data.conversation_id === conversationId && data.who === "peer") {
      $("peer-presence").textContent = data.connected ? "" : W.t("peer_dropped", "Your peer's connection dropped. Please wait a moment.");
    }
  });
  socket.on("chat:ended", function (data) {
    if (data.conversation_id !== conversationId) { return; }
    var reasons = {
      member_left: W.t("ended_member_left", "The chat ended because you were away for a while."),
      member_ended: W.t("ended_member_ended", "You ended the chat."),
      left_queue: W.t("ended_left_queue", "You left the queue. You can come back any time.")
    };
    $("ended-reason").textContent = reasons[data.reason] ||
      (data.ended_by === "peer" ? W.t("ended_by_peer", "Your peer ended the chat. Thank you for reaching out.") : W.t("ended", "The chat has ended."));
    // survey.js offers the survey for a conversation a peer answered.
    document.dispatchEvent(new CustomEvent("warmline:chat-ended", { detail: { conversation_id: data.conversation_id, answered: !$("conversation").hidden } }));
    show("ended");
    conversationId = null;
  });

  var notifyTyping = W.typingNotifier(socket, function () { return conversationId; });
  $("body").addEventListener("input", notifyTyping);
  $("body").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("composer").requestSubmit(); }
  });
  $("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("body").value;
    if (!text.trim() || !conversationId) { return; }
    $("body").value = "";
    $("send-error").textContent = "";
    W.send(socket, outbox, list, conversationId, text).then(function (ack) {
      if (!ack.ok) {
        $("send-error").textContent = ack.error.message;
        if (ack.error.code === "invalid" || ack.error.code === "not_active") { $("body").value = text; }
      }
    });
  });
  $("end-chat").addEventListener("click", function () {
    if (conversationId) { W.call(socket, "chat:end", { conversation_id: conversationId }); }
  });
  $("leave-queue").addEventListener("click", function () {
    if (conversationId) { W.call(socket, "chat:end", { conversation_id: conversationId, reason: "left_queue" }); }
  });
  $("keep-waiting").addEventListener("click", function () { $("wait-options").hidden = true; });
  $("new-chat").addEventListener("click", showStartOrClosed);
})();
