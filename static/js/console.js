// The peer console: availability, conversations in tabs (WAI-ARIA tabs), typing, the end
// with a contact note, hand-over, escalation, and the alerts that reach a peer in another tab.
// Other modules plug in through W.console.hub: "state" (chat:state answer), "queue" (items),
// "pane:open" ({id, pane, conversation}), "pane:select" (id), "message" (message, pane id),
// "pane:ended" (id).
(function () {
  "use strict";
  var W = window.Warmline;
  var root = document.getElementById("console-app");
  if (!root) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var socket = W.connect();
  W.consoleSocket = socket;  // the console's add-ons (canned.js, peertools.js) share it
  var hub = W.hub();
  var myHandle = root.getAttribute("data-handle");
  var panes = {};  // conversation_id -> {pane, tab, list, outbox, ended, unread, handle}
  var RISK_WORDS = { moderate: "moderate", high: "high", imminent: "imminent" };
  var tabs = new W.Tabs($("tabs"), {
    onSelect: function (id) { markRead(id); hub.emit("pane:select", id); },
    onClose: function (id) { closeTab(id); }
  });
  var consoleState = { available: false };
  W.console = { hub: hub, socket: socket, panes: panes, state: consoleState, root: root };

  W.attention.bindSettings(root);

  function setAvailable(value) {
    consoleState.available = value;
    var button = $("availability");
    button.setAttribute("aria-pressed", value ? "true" : "false");
    button.textContent = value ? "Stop taking chats" : "Start taking chats";
    $("accept-next").disabled = !value;
    if (!value) { hub.emit("queue", []); }
  }

  function mine(m) { return m.sender_role === "peer" && m.sender_handle === myHandle; }

  // Unread: messages from the member in a tab the peer is not looking at (or while this
  // browser tab is in the background).
  function looking(id) { return !document.hidden && String(tabs.selected) === String(id); }

  function updateUnread() {
    var total = 0;
    Object.keys(panes).forEach(function (key) {
      var state = panes[key];
      total += state.unread;
      var badge = state.tab.querySelector(".unread");
      badge.hidden = state.unread === 0;
      badge.textContent = state.unread ? state.unread + " new" : "";
    });
    W.attention.count("unread", total, "unread");
  }

  function markRead(id) {
    var state = panes[id];
    if (state && state.unread && !document.hidden) { state.unread = 0; updateUnread(); }
  }

  document.addEventListener("visibilitychange", function () { if (!document.hidden) { markRead(tabs.selected); } });

  function setEscalationLevel(pane, risk) {
    if (RISK_WORDS[risk]) { pane.querySelector(".escalate-form select[name=risk_level]").value = risk; }
  }

  function renderContext(state, conversation, handoffNote) {
    var pane = state.pane;
    pane.querySelector(".topic").textContent = conversation.topic || "(none given)";
    pane.querySelector(".risk-level").textContent = conversation.risk || "none";
    var hand = pane.querySelector(".handoff");
    hand.hidden = !handoffNote;
    hand.querySelector(".handoff-note").textContent = handoffNote || "";
    var earlier = pane.querySelector(".earlier");
    earlier.textContent = "";
    var contacts = conversation.earlier_contacts || [];
    pane.querySelector(".no-earlier").hidden = contacts.length > 0;
    contacts.forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = W.time.words(c.requested_at) + (c.peer_handle ? " with " + c.peer_handle : " (not answered)") +
        (c.topic ? ": " + c.topic : "");
      earlier.appendChild(li);
    });
    setEscalationLevel(pane, conversation.risk);
  }

  function paneFor(conversation, handoffNote) {
    var id = conversation.id || conversation.conversation_id;
    if (panes[id]) { return panes[id]; }
    var pane = $("pane-template").content.firstElementChild.cloneNode(true);
    pane.id = "pane-" + id;
    pane.hidden = true;
    $("panes").appendChild(pane);
    var handle = conversation.member_handle || "Member";
    var tab = tabs.add(id, handle, pane);
    $("no-chats").hidden = true;
    pane.querySelectorAll("[data-for]").forEach(function (label) {
      var field = pane.querySelector(label.getAttribute("data-for"));
      field.id = label.getAttribute("data-for").replace(/[^a-z]/g, "") + "-" + id;
      label.setAttribute("for", field.id);
    });
    var textarea = pane.querySelector("textarea[name=body]");
    var state = {
      pane: pane, tab: tab, list: pane.querySelector(".messages"), outbox: new W.Outbox(id),
      ended: false, unread: 0, handle: handle
    };
    panes[id] = state;
    window.WarmlineServiceMinutes.remember(pane.querySelector(".note-form"), conversation);
    pane.querySelector(".banner.danger").hidden = !(conversation.intake_danger || conversation.risk === "high" || conversation.risk === "imminent");
    renderContext(state, conversation, handoffNote);
    wirePane(id, state, textarea);
    // A pane that arrives on its own (a hand-over, a reconnect) does not take the screen
    // from the one the peer is writing in; accepting selects explicitly.
    if (tabs.selected === null || !panes[tabs.selected]) { tabs.select(id); }
    W.call(socket, "chat:resume", { conversation_id: id, after_seq: 0 }).then(function (ack) {
      if (!ack.ok) { return; }
      ack.messages.forEach(function (m) { W.renderMessage(state.list, m, mine(m)); });
      W.flush(socket, state.outbox, state.list);
    });
    hub.emit("pane:open", { id: id, pane: pane, conversation: conversation });
    return state;
  }

  function postJson(url, method, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": W.csrfToken() },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); });
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
      W.confirm("End the conversation with " + state.handle + "? They will be told it has ended.", "End conversation")
        .then(function (yes) { if (yes) { W.call(socket, "chat:end", { conversation_id: id }); } });
    });
    pane.querySelector(".close-tab").addEventListener("click", function () { closeTab(id); });
    pane.querySelector(".transfer-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var form = event.target;
      W.call(socket, "chat:transfer", { conversation_id: id, to_peer_id: Number(form.to_peer_id.value), note: form.note.value })
        .then(function (ack) { if (!ack.ok) { pane.querySelector(".transfer-status").textContent = ack.error.message; } });
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
    var why = pane.querySelector(".risk-why");
    why.id = "risk-why-" + id;
    pane.querySelectorAll(".risk-verdict button").forEach(function (button) {
      button.setAttribute("aria-describedby", why.id);
      button.addEventListener("click", function () { judgeReading(id, state, button.value); });
    });
    pane.querySelector(".note-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var form = event.target;
      postJson("/api/v1/conversations/" + id + "/note", "PUT", Object.assign({
        topics: form.topics.value, referral: form.referral.value, note: form.note.value,
        service_minutes: window.WarmlineServiceMinutes.value(form)
      }, W.noteExtras(form)))
        .then(function (body) { form.querySelector(".note-status").textContent = body.ok ? "Note saved." : body.error.message; });
    });
  }

  // The peer's word on the reading that raised the risk: a line for the detector's next
  // training (docs/escalation.md). The buttons give way to the thanks, which takes the focus.
  function judgeReading(id, state, verdict) {
    var noted = state.pane.querySelector(".risk-noted");
    postJson("/api/v1/conversations/" + id + "/risk-readings/" + state.readingId, "POST", { verdict: verdict })
      .then(function (body) {
        if (!body.ok) { noted.textContent = body.error.message; return; }
        state.pane.querySelector(".risk-verdict").hidden = true;
        noted.textContent = "Thanks, noted.";
        noted.focus();
      });
  }

  function endPane(id, message) {
    var state = panes[id];
    if (!state || state.ended) { return; }
    state.ended = true;
    state.pane.querySelector(".composer").hidden = true;
    state.pane.querySelector(".transfer").hidden = true;
    state.pane.querySelector(".escalate").hidden = true;
    state.pane.querySelector(".presence").textContent = message;
    state.pane.querySelector(".note-form").hidden = false;
    window.WarmlineServiceMinutes.prefill(state.pane.querySelector(".note-form"));
    state.pane.querySelector(".close-tab").hidden = false;
    state.tab.querySelector(".tab-name").textContent = state.handle + " (ended)";
    state.unread = 0;
    updateUnread();
    hub.emit("pane:ended", id);
  }

  function closeTab(id) {
    var state = panes[id];
    if (!state || !state.ended) { return; }  // only ended conversations close
    tabs.remove(id);
    state.pane.remove();
    delete panes[id];
    $("no-chats").hidden = Object.keys(panes).length > 0;
    if (!Object.keys(panes).length) { $("chats-title").focus(); }
  }

  function accept(conversationId) {
    $("accept-error").textContent = "";
    W.call(socket, "chat:accept", conversationId ? { conversation_id: conversationId } : {}).then(function (ack) {
      if (!ack.ok) { $("accept-error").textContent = ack.error.message; return; }
      paneFor(ack.conversation);
      tabs.select(ack.conversation_id);
      panes[ack.conversation_id].pane.querySelector("textarea").focus();
    });
  }
  W.console.accept = accept;

  function renderPresence(peers) {
    var list = $("presence");
    list.textContent = "";
    (peers || []).forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = (p.handle === myHandle ? p.handle + " (you)" : p.handle) + ": " + (p.available ? "taking chats" : "not taking chats");
      list.appendChild(li);
    });
    if (!list.children.length) {
      var none = document.createElement("li");
      none.textContent = "Nobody is on a peer shift now.";
      list.appendChild(none);
    }
  }

  function refreshState() {
    return W.call(socket, "chat:state").then(function (state) {
      if (!state.ok) { return state; }
      setAvailable(state.available);
      renderPresence(state.peers);
      hub.emit("state", state);
      hub.emit("queue", state.queue || []);
      state.conversations.forEach(function (c) { paneFor(c); });
      return state;
    });
  }

  socket.on("connect", refreshState);
  // Colleagues' availability has no event of its own: the list is refreshed each minute.
  window.setInterval(function () {
    if (socket.connected) { W.call(socket, "chat:state").then(function (s) { if (s.ok) { renderPresence(s.peers); } }); }
  }, 60000);
  W.showConnection(socket, $("connection"));

  $("availability").addEventListener("click", function () {
    W.call(socket, "peer:available", { available: !consoleState.available }).then(function (ack) {
      $("availability-error").textContent = ack.ok ? "" : ack.error.message;
      if (ack.ok) {
        setAvailable(ack.available);
        if (ack.available) { refreshState(); }
      }
    });
  });
  $("accept-next").addEventListener("click", function () { accept(null); });

  socket.on("queue:update", function (data) { if (consoleState.available) { hub.emit("queue", data.items); } });
  socket.on("chat:assigned", function (data) {
    if (data.handoff_note === undefined) { return; }
    W.call(socket, "chat:state").then(function (s) {
      s.conversations.forEach(function (c) {
        if (c.id === data.conversation_id) {
          paneFor(c, data.handoff_note);
          W.attention.alert((data.from_handle || "A peer") + " handed you a conversation", "Open the console to continue it.", "handoff-" + c.id);
        }
      });
    });
  });
  socket.on("message:new", function (m) {
    var state = panes[m.conversation_id];
    if (!state) { return; }
    W.renderMessage(state.list, m, mine(m));
    state.pane.querySelector(".typing").textContent = "";
    if (m.sender_role === "member" && !looking(m.conversation_id)) {
      state.unread += 1;
      updateUnread();
      // The words stay out of the notification: it may show on a shared screen.
      W.attention.alert("New message from " + state.handle, "", "message-" + m.conversation_id, function () { tabs.select(m.conversation_id, true); });
    }
    hub.emit("message", m);
  });
  socket.on("typing", function (data) {
    var state = panes[data.conversation_id];
    if (state) { state.pane.querySelector(".typing").textContent = data.typing ? state.handle + " is typing…" : ""; }
  });
  socket.on("presence", function (data) {
    var state = panes[data.conversation_id];
    if (state && data.who === "member") {
      if (data.connected) { state.hurried = false; } else if (state.hurried) { return; }
      state.pane.querySelector(".presence").textContent = data.connected ? "Member reconnected." : "Member disconnected.";
    }
  });
  // The member pressed the quick exit: someone may be near them. Sent before their socket closes.
  socket.on("chat:quick-exit", function (data) {
    var state = panes[data.conversation_id];
    if (!state) { return; }
    state.hurried = true;
    state.pane.querySelector(".presence").textContent = "The member left in a hurry (quick exit); someone may be near them. " +
      "Don't expect a reply now. The chat ends after their grace period unless they come back.";
  });
  socket.on("chat:ended", function (data) {
    var text = data.reason === "member_left" ? "The member was away too long; the chat ended."
      : data.ended_by === "member" ? "The member ended the chat." : "You ended the chat.";
    endPane(data.conversation_id, text + " Please write a short contact note.");
  });
  socket.on("shift:changed", function () {
    $("shift-status").textContent = "Your schedule changed: see My shifts.";
  });
  // Why the detector raised it: the phrase its rules matched, or the model's category and
  // the labelled lines the message reads most like. It supports the peer's judgment only.
  function riskWhy(why) {
    if (!why) { return ""; }
    var like = (why.examples || []).map(function (e) { return "\u201c" + e + "\u201d"; }).join(", ");
    var reads = "it reads as " + (why.reads_as || String(why.category || "").replace(/_/g, " ")) + (like ? ", like " + like : "");
    if (why.source !== "rules") { return " Why: " + reads + "."; }
    if (!why.rule) { return ""; }
    // The model overruled the words' higher level: the peer sees both readings.
    return " Why: the words \u201c" + why.rule + "\u201d" + (why.overruled ? "; the model thinks " + reads : "") + ".";
  }
  socket.on("risk:raised", function (data) {
    var state = panes[data.conversation_id];
    if (!state) { return; }
    var banner = state.pane.querySelector(".banner.risk");
    banner.querySelector(".risk-why").textContent = "The member's words suggest " + data.risk + " risk. Ask directly about safety; escalate if needed." + riskWhy(data.why);
    state.readingId = data.reading_id;
    banner.querySelector(".risk-verdict").hidden = !data.reading_id;
    banner.querySelector(".risk-noted").textContent = "";
    banner.hidden = false;
    state.pane.querySelector(".risk-level").textContent = data.risk;
    setEscalationLevel(state.pane, data.risk);
    state.pane.querySelector("details.escalate").open = true;
    W.attention.alert("Risk raised to " + data.risk + " with " + state.handle, "", "risk-" + data.conversation_id);
  });
  socket.on("post:urgent", function (data) {
    W.attention.show("A forum post was held at " + data.risk + " risk: a member may need outreach.", data.url);
    W.attention.alert("Urgent forum post held", "A post was held at " + data.risk + " risk.", "post-" + data.post_id);
  });
  // A peer who also coordinates keeps hearing coordinators' alerts here (alerts.js leaves
  // this page to the console's own socket).
  socket.on("escalation:new", function (data) {
    W.attention.show("New " + data.risk_level + " escalation #" + data.escalation_id + ": review and acknowledge", "/escalations/" + data.escalation_id);
    W.attention.alert("New " + data.risk_level + " escalation", "", "escalation-" + data.escalation_id);
  });
  socket.on("escalation:unacknowledged", function (data) {
    W.attention.show("Escalation #" + data.escalation_id + " is still unacknowledged", "/escalations/" + data.escalation_id);
    W.attention.alert("Escalation still unacknowledged", "", "escalation-" + data.escalation_id);
  });
  var debriefFor = null;
  socket.on("escalation:debrief", function (data) {
    debriefFor = data.escalation_id;
    setAvailable(false);
    $("debrief").hidden = false;
  });
  $("debrief-form").addEventListener("submit", function (event) {
    event.preventDefault();
    postJson("/api/v1/escalations/" + debriefFor + "/followups", "POST", { kind: "debrief", note: $("debrief-note").value })
      .then(function (body) { $("debrief-status").textContent = body.ok ? "Sent. Thank you." : body.error.message; });
  });
  $("resume").addEventListener("click", function () {
    W.call(socket, "peer:available", { available: true }).then(function (ack) {
      if (ack.ok) { setAvailable(true); $("debrief").hidden = true; }
      else { $("debrief-status").textContent = ack.error.message; }
    });
  });
  socket.on("chat:released", function (data) {
    var reasons = { transferred: "Handed over.", peer_disconnected: "Returned to the queue while you were disconnected.", unanswered: "Returned to the queue: no reply in time." };
    endPane(data.conversation_id, reasons[data.reason] || "No longer yours.");
  });
})();
