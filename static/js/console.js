// The peer console: availability, the live queue, several conversations in tabs, typing,
// end with a contact note, hand-over to another peer.
(function () {
  "use strict";
  var W = window.Warmline;
  var root = document.getElementById("console-app");
  if (!root) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var socket = W.connect();
  var panes = {};  // conversation_id -> {pane, tab, list, outbox, ended}
  var available = false;

  function setAvailable(value) {
    available = value;
    var button = $("availability");
    button.setAttribute("aria-pressed", value ? "true" : "false");
    button.textContent = value ? "Stop taking chats" : "Start taking chats";
    $("accept-next").disabled = !value;
    if (!value) { renderQueue([]); }
  }

  function minutesSince(iso) {
    var minutes = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 60000));
    return minutes === 0 ? "just now" : minutes + " min";
  }

  function renderQueue(items) {
    var list = $("queue");
    list.textContent = "";
    $("queue-count").textContent = String(items.length);
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "queue-item risk-" + item.risk;
      var text = document.createElement("span");
      text.textContent = (item.topic || "(no topic)") + " · waiting " + minutesSince(item.waiting_since) +
        (item.risk !== "none" ? " · risk: " + item.risk : "") + (item.returned ? " · returned" : "");
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = "Accept";
      button.setAttribute("aria-label", "Accept: " + (item.topic || "no topic"));
      button.addEventListener("click", function () { accept(item.conversation_id); });
      li.appendChild(text);
      li.appendChild(button);
      list.appendChild(li);
    });
  }

  function select(id) {
    Object.keys(panes).forEach(function (key) {
      var on = Number(key) === id;
      panes[key].pane.hidden = !on;
      panes[key].tab.setAttribute("aria-selected", on ? "true" : "false");
      panes[key].tab.tabIndex = on ? 0 : -1;
    });
  }

  function paneFor(conversation, handoffNote) {
    var id = conversation.id || conversation.conversation_id;
    if (panes[id]) { return panes[id]; }
    var pane = $("pane-template").content.firstElementChild.cloneNode(true);
    pane.id = "pane-" + id;
    var tab = document.createElement("button");
    tab.type = "button";
    tab.setAttribute("role", "tab");
    tab.id = "tab-" + id;
    tab.setAttribute("aria-controls", pane.id);
    pane.setAttribute("aria-labelledby", tab.id);
    tab.textContent = conversation.member_handle || "Member";
    tab.addEventListener("click", function () { select(id); });
    $("tabs").appendChild(tab);
    $("panes").appendChild(pane);
    $("no-chats").hidden = true;
    var textarea = pane.querySelector("textarea[name=body]");
    textarea.id = "reply-" + id;
    pane.querySelector(".composer label").setAttribute("for", textarea.id);
    var state = { pane: pane, tab: tab, list: pane.querySelector(".messages"), outbox: new W.Outbox(id), ended: false };
    panes[id] = state;
    pane.querySelector(".meta").textContent = "Topic: " + (conversation.topic || "(none)") +
      (handoffNote ? " · Hand-off note: " + handoffNote : "");
    pane.querySelector(".banner.danger").hidden = !(conversation.intake_danger || conversation.risk === "high" || conversation.risk === "imminent");
    wirePane(id, state, textarea);
    select(id);
    W.call(socket, "chat:resume", { conversation_id: id, after_seq: 0 }).then(function (ack) {
      if (!ack.ok) { return; }
      ack.messages.forEach(function (m) { W.renderMessage(state.list, m, m.sender_role === "peer"); });
      W.flush(socket, state.outbox, state.list);
    });
    return state;
  }

  function wirePane(id, state, textarea) {
    var pane = state.pane;
    textarea.addEventListener("input", W.typingNotifier(socket, function () { return id; }));
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); pane.querySelector(".composer").requestSubmit(); }
    });
    pane.querySelector(".composer").addEventListener("submit", function (event) {
      event.preventDefault();
      var text = textarea.value;
      if (!text.trim() || state.ended) { return; }
      textarea.value = "";
      W.send(socket, state.outbox, state.list, id, text).then(function (ack) {
        pane.querySelector(".send-error").textContent = ack.ok ? "" : ack.error.message;
        if (!ack.ok && ack.error.code === "invalid") { textarea.value = text; }
      });
    });
    pane.querySelector(".end").addEventListener("click", function () {
      W.call(socket, "chat:end", { conversation_id: id });
    });
    pane.querySelector(".transfer-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var form = event.target;
      W.call(socket, "chat:transfer", { conversation_id: id, to_peer_id: Number(form.to_peer_id.value), note: form.note.value })
        .then(function (ack) { if (!ack.ok) { pane.querySelector(".send-error").textContent = ack.error.message; } });
    });
    pane.querySelector(".escalate-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var form = event.target;
      W.call(socket, "chat:escalate", {
        conversation_id: id, risk_level: form.risk_level.value, action: form.action.value,
        consent: form.consent.value, notes: form.notes.value
      }).then(function (ack) {
        form.querySelector(".escalate-status").textContent = ack.ok
          ? "Escalation #" + ack.escalation_id + " recorded; the coordinator has been alerted. The conversation stays open."
          : ack.error.message;
      });
    });
    pane.querySelector(".note-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var form = event.target;
      fetch("/api/v1/conversations/" + id + "/note", {
        method: "PUT", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": W.csrfToken() },
        body: JSON.stringify({ topics: form.topics.value, referral: form.referral.value, note: form.note.value })
      }).then(function (r) { return r.json(); }).then(function (body) {
        form.querySelector(".note-status").textContent = body.ok ? "Note saved." : body.error.message;
      });
    });
  }

  function closePane(id, message) {
    var state = panes[id];
    if (!state) { return; }
    state.ended = true;
    state.pane.querySelector(".composer").hidden = true;
    state.pane.querySelector(".transfer").hidden = true;
    state.pane.querySelector(".presence").textContent = message;
    state.pane.querySelector(".note-form").hidden = false;
    state.tab.textContent += " (ended)";
  }

  function accept(conversationId) {
    $("accept-error").textContent = "";
    W.call(socket, "chat:accept", conversationId ? { conversation_id: conversationId } : {}).then(function (ack) {
      if (!ack.ok) { $("accept-error").textContent = ack.error.message; return; }
      paneFor(ack.conversation);
      panes[ack.conversation_id].pane.querySelector("textarea").focus();
    });
  }

  socket.on("connect", function () {
    W.call(socket, "chat:state").then(function (state) {
      if (!state.ok) { return; }
      setAvailable(state.available);
      renderQueue(state.queue || []);
      state.conversations.forEach(function (c) { paneFor(c); });
    });
  });
  W.showConnection(socket, $("connection"));

  $("availability").addEventListener("click", function () {
    W.call(socket, "peer:available", { available: !available }).then(function (ack) {
      $("availability-error").textContent = ack.ok ? "" : ack.error.message;
      if (ack.ok) {
        setAvailable(ack.available);
        if (ack.available) { W.call(socket, "chat:state").then(function (s) { if (s.ok) { renderQueue(s.queue); } }); }
      }
    });
  });
  $("accept-next").addEventListener("click", function () { accept(null); });

  socket.on("queue:update", function (data) { if (available) { renderQueue(data.items); } });
  socket.on("chat:assigned", function (data) {
    if (data.handoff_note !== undefined) {
      W.call(socket, "chat:state").then(function (s) {
        s.conversations.forEach(function (c) { if (c.id === data.conversation_id) { paneFor(c, data.handoff_note); } });
      });
    }
  });
  socket.on("message:new", function (m) {
    var state = panes[m.conversation_id];
    if (state) { W.renderMessage(state.list, m, m.sender_role === "peer"); state.pane.querySelector(".typing").textContent = ""; }
  });
  socket.on("typing", function (data) {
    var state = panes[data.conversation_id];
    if (state) { state.pane.querySelector(".typing").textContent = data.typing ? "Member is typing…" : ""; }
  });
  socket.on("presence", function (data) {
    var state = panes[data.conversation_id];
    if (state && data.who === "member") {
      state.pane.querySelector(".presence").textContent = data.connected ? "Member reconnected." : "Member disconnected.";
    }
  });
  socket.on("chat:ended", function (data) {
    var text = data.reason === "member_left" ? "The member was away too long; the chat ended."
      : data.ended_by === "member" ? "The member ended the chat." : "You ended the chat.";
    closePane(data.conversation_id, text + " Please write a short contact note.");
  });
  socket.on("shift:changed", function () {
    $("shift-status").textContent = "Your schedule changed: see My shifts.";
  });
  // Why the detector raised it: the phrase its rules matched, or the model's category and
  // the labelled lines the message reads most like. It supports the peer's judgment only.
  function riskWhy(why) {
    if (!why) { return ""; }
    if (why.source === "rules") { return why.rule ? " Why: the words \u201c" + why.rule + "\u201d." : ""; }
    var like = (why.examples || []).map(function (e) { return "\u201c" + e + "\u201d"; }).join(", ");
    return " Why: it reads as " + String(why.category || "").replace(/_/g, " ") + (like ? ", like " + like : "") + ".";
  }
  socket.on("risk:raised", function (data) {
    var state = panes[data.conversation_id];
    if (!state) { return; }
    var banner = state.pane.querySelector(".banner.risk");
    banner.textContent = "The member's words suggest " + data.risk + " risk. Ask directly about safety; escalate if needed." + riskWhy(data.why);
    banner.hidden = false;
    state.pane.querySelector("details.escalate").open = true;
  });
  var debriefFor = null;
  socket.on("escalation:debrief", function (data) {
    debriefFor = data.escalation_id;
    setAvailable(false);
    $("debrief").hidden = false;
  });
  $("debrief-form").addEventListener("submit", function (event) {
    event.preventDefault();
    fetch("/api/v1/escalations/" + debriefFor + "/followups", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": W.csrfToken() },
      body: JSON.stringify({ kind: "debrief", note: $("debrief-note").value })
    }).then(function (r) { return r.json(); }).then(function (body) {
      $("debrief-status").textContent = body.ok ? "Sent. Thank you." : body.error.message;
    });
  });
  $("resume").addEventListener("click", function () {
    W.call(socket, "peer:available", { available: true }).then(function (ack) {
      if (ack.ok) { setAvailable(true); $("debrief").hidden = true; }
      else { $("debrief-status").textContent = ack.error.message; }
    });
  });
  socket.on("chat:released", function (data) {
    var reasons = { transferred: "Handed over.", peer_disconnected: "Returned to the queue while you were disconnected.", unanswered: "Returned to the queue: no reply in time." };
    closePane(data.conversation_id, reasons[data.reason] || "No longer yours.");
  });
})();
