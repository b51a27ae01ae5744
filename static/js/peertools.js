// The peer console's add-ons: share a directory entry into the chat as a card (the contact
// note's referral line follows), and see when a supervisor reads along or whispers.
(function () {
  "use strict";
  var W = window.Warmline;
  var panesRoot = document.getElementById("panes");
  if (!panesRoot || !W.consoleSocket) { return; }
  var socket = W.consoleSocket;

  function conversationOf(pane) { return Number(pane.id.replace("pane-", "")); }
  function paneOf(conversationId) { return document.getElementById("pane-" + conversationId); }

  function addReferral(pane, name) {
    var input = pane.querySelector(".note-form input[name=referral]");
    if (!input) { return; }
    var given = input.value.split(";").map(function (s) { return s.trim(); }).filter(Boolean);
    if (given.indexOf(name) === -1) { given.push(name); }
    input.value = given.join("; ");
  }

  function sharePanel(pane) {
    var panel = W.searchPanel("share-resource", "Share a resource", "Search the directory (food, housing, 988…)", "Search resources to share");
    var details = panel.details, search = panel.search, list = panel.list;
    var status = document.createElement("p");
    status.className = "help";
    status.setAttribute("role", "status");
    details.appendChild(status);
    var timer = null;

    function render(items) {
      list.textContent = "";
      items.forEach(function (r) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "secondary";
        button.textContent = "Share: " + r.name + " (" + r.category.replace("_", " ") + (r.area ? ", " + r.area : "") + ")";
        button.addEventListener("click", function () {
          W.call(socket, "chat:share-resource", { conversation_id: conversationOf(pane), resource_id: r.id }).then(function (ack) {
            if (!ack.ok) { status.textContent = ack.error.message; return; }
            W.renderMessage(pane.querySelector(".messages"), ack.message, true);
            addReferral(pane, r.name);
            status.textContent = "Shared " + r.name + "; added to your contact note's referrals.";
          });
        });
        li.appendChild(button);
        list.appendChild(li);
      });
      if (!items.length) { status.textContent = "Nothing in the directory matches."; } else { status.textContent = ""; }
    }
    function find() {
      fetch("/api/v1/resources?q=" + encodeURIComponent(search.value), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (body) { if (body.ok) { render(body.resources); } });
    }
    search.addEventListener("input", function () { window.clearTimeout(timer); timer = window.setTimeout(find, 250); });
    details.addEventListener("toggle", function () { if (details.open) { find(); search.focus(); } });
    return details;
  }

  function supervisionBox(pane) {
    var box = pane.querySelector(".supervision");
    if (!box) {
      box = document.createElement("div");
      box.className = "supervision";
      box.setAttribute("aria-live", "polite");
      pane.querySelector(".messages").insertAdjacentElement("beforebegin", box);
    }
    return box;
  }

  function attach(pane) {
    if (!pane.querySelector || !pane.querySelector(".composer") || pane.getAttribute("data-peertools")) { return; }
    pane.setAttribute("data-peertools", "1");
    var after = pane.querySelector(".canned-picker") || pane.querySelector(".composer");
    after.insertAdjacentElement("afterend", sharePanel(pane));
  }

  // Nothing more can be shared once the conversation has ended.
  if (W.console) {
    W.console.hub.on("pane:ended", function (id) {
      var panel = paneOf(id) && paneOf(id).querySelector(".share-resource");
      if (panel) { panel.hidden = true; }
    });
  }

  // At the end, every card this peer shared is on the note's referral line (also after a
  // reload, when the line the server filled in is not in the form).
  socket.on("chat:ended", function (data) {
    var pane = paneOf(data.conversation_id);
    if (!pane) { return; }
    pane.querySelectorAll(".message.mine .resource-card .resource-name").forEach(function (name) {
      addReferral(pane, name.textContent);
    });
  });

  function supervisionLine(className, text) {
    return function (data) {
      var pane = paneOf(data.conversation_id);
      if (!pane) { return; }
      var line = document.createElement("p");
      line.className = className;
      line.textContent = text(data);
      supervisionBox(pane).appendChild(line);
    };
  }
  socket.on("monitor:joined", supervisionLine("help supervisor-present", function (d) { return "Supervisor " + d.by + " is reading this conversation."; }));
  socket.on("monitor:left", supervisionLine("help", function (d) { return "Supervisor " + d.by + " stopped reading."; }));
  socket.on("monitor:whisper", supervisionLine("whisper", function (d) { return d.from + " (only you see this): " + d.body; }));

  // Follow-up check-ins: their own list beside the queue (they are not chats: the member
  // need not be online), refreshed every 30 s; take one, read the hand-off note, write.
  var checkinBox = document.createElement("section");
  checkinBox.className = "panel";
  checkinBox.setAttribute("aria-labelledby", "checkins-title");
  checkinBox.innerHTML = '<h2 id="checkins-title">Check-ins due <span class="tag" id="checkins-count">0</span></h2>' +
    '<ul id="checkins" class="queue"></ul><p id="checkins-status" class="help" role="status"></p>';
  var queueSection = document.getElementById("queue") && document.getElementById("queue").closest("section");
  if (queueSection) { queueSection.insertAdjacentElement("afterend", checkinBox); }

  function api(method, path, payload) {
    return fetch(path, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": W.csrfToken() },
      body: payload === undefined ? undefined : JSON.stringify(payload)
    }).then(function (r) { return r.json(); });
  }

  function checkinItem(c, taken) {
    var li = document.createElement("li");
    li.className = "queue-item checkin";
    var text = document.createElement("span");
    text.textContent = "Check-in · " + (c.member_handle || "member") + " · due " + W.time.words(c.due_at) +
      (c.earlier_peer ? " · after a chat with " + c.earlier_peer : "");
    li.appendChild(text);
    if (c.handoff_note) {
      var note = document.createElement("p");
      note.className = "help";
      note.textContent = "Hand-off note: " + c.handoff_note;
      li.appendChild(note);
    }
    if (!taken) {
      var take = document.createElement("button");
      take.type = "button";
      take.textContent = "Take check-in";
      take.addEventListener("click", function () {
        api("POST", "/api/v1/checkins/" + c.checkin_id + "/take").then(function (body) {
          $status().textContent = body.ok ? "" : body.error.message;
          refreshCheckins();
        });
      });
      li.appendChild(take);
      return li;
    }
    var form = document.createElement("form");
    form.className = "stack";
    var label = document.createElement("label");
    label.textContent = "Your check-in message (the member reads it next time they open Warmline)";
    var area = document.createElement("textarea");
    area.rows = 3;
    area.maxLength = 2000;
    area.dataset.checkin = String(c.checkin_id);
    area.required = true;
    label.appendChild(area);
    var send = document.createElement("button");
    send.type = "submit";
    send.textContent = "Send check-in";
    form.appendChild(label);
    form.appendChild(send);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      api("POST", "/api/v1/checkins/" + c.checkin_id + "/message", { body: area.value }).then(function (body) {
        $status().textContent = body.ok ? "Check-in sent." : body.error.message;
        if (body.ok) { refreshCheckins(); }
      });
    });
    li.appendChild(form);
    return li;
  }
  function $status() { return document.getElementById("checkins-status"); }

  function refreshCheckins() {
    return fetch("/api/v1/checkins", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (body) {
      if (!body.ok) { return; }
      var list = document.getElementById("checkins");
      // The list is rebuilt on every change anyone makes: a message being written survives it.
      var drafts = {};
      var focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement.dataset.checkin : null;
      list.querySelectorAll("textarea[data-checkin]").forEach(function (t) { drafts[t.dataset.checkin] = t.value; });
      list.textContent = "";
      body.taken.forEach(function (c) { list.appendChild(checkinItem(c, true)); });
      body.due.forEach(function (c) { list.appendChild(checkinItem(c, false)); });
      list.querySelectorAll("textarea[data-checkin]").forEach(function (t) {
        if (drafts[t.dataset.checkin]) { t.value = drafts[t.dataset.checkin]; }
        if (t.dataset.checkin === focused) { t.focus(); }
      });
      document.getElementById("checkins-count").textContent = String(body.due.length);
    });
  }
  refreshCheckins();
  // Pushed when one falls due, is taken, written or cancelled; read again on every (re)connect,
  // since pushes sent while the socket was down are lost, and now and then in case.
  socket.on("checkins:changed", refreshCheckins);
  socket.on("connect", refreshCheckins);
  window.setInterval(refreshCheckins, 300000);

  // The member asked for a check-in at the end of this peer's chat: a hand-off note for
  // whoever takes it.
  socket.on("checkin:requested", function (data) {
    var pane = paneOf(data.conversation_id);
    if (!pane || pane.querySelector(".checkin-handoff")) { return; }
    var form = document.createElement("form");
    form.className = "stack checkin-handoff";
    var label = document.createElement("label");
    label.textContent = "The member asked for a check-in (" + W.time.words(data.due_at) +
      "). Hand-off note for the peer who checks in:";
    var area = document.createElement("textarea");
    area.rows = 2;
    area.maxLength = 2000;
    label.appendChild(area);
    var save = document.createElement("button");
    save.type = "submit";
    save.textContent = "Save hand-off note";
    var status = document.createElement("p");
    status.className = "help";
    status.setAttribute("role", "status");
    [label, save, status].forEach(function (el) { form.appendChild(el); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      api("PUT", "/api/v1/checkins/" + data.checkin_id + "/handoff", { note: area.value }).then(function (body) {
        status.textContent = body.ok ? "Saved." : body.error.message;
      });
    });
    // Beside the contact note (the context column), not under the conversation.
    var note = pane.querySelector(".note-form");
    if (note) { note.insertAdjacentElement("afterend", form); } else { pane.appendChild(form); }
  });

  W.eachPane(panesRoot, attach);
})();
