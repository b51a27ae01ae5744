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
    var details = document.createElement("details");
    details.className = "share-resource";
    var summary = document.createElement("summary");
    summary.textContent = "Share a resource";
    var search = document.createElement("input");
    search.type = "search";
    search.placeholder = "Search the directory (food, housing, 988…)";
    search.setAttribute("aria-label", "Search resources to share");
    var list = document.createElement("ul");
    var status = document.createElement("p");
    status.className = "help";
    status.setAttribute("role", "status");
    [summary, search, list, status].forEach(function (el) { details.appendChild(el); });
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

  socket.on("monitor:joined", function (data) {
    var pane = paneOf(data.conversation_id);
    if (!pane) { return; }
    var line = document.createElement("p");
    line.className = "help supervisor-present";
    line.textContent = "Supervisor " + data.by + " is reading this conversation.";
    supervisionBox(pane).appendChild(line);
  });
  socket.on("monitor:left", function (data) {
    var pane = paneOf(data.conversation_id);
    if (!pane) { return; }
    var line = document.createElement("p");
    line.className = "help";
    line.textContent = "Supervisor " + data.by + " stopped reading.";
    supervisionBox(pane).appendChild(line);
  });
  socket.on("monitor:whisper", function (data) {
    var pane = paneOf(data.conversation_id);
    if (!pane) { return; }
    var line = document.createElement("p");
    line.className = "whisper";
    line.textContent = data.from + " (only you see this): " + data.body;
    supervisionBox(pane).appendChild(line);
  });

  Array.prototype.forEach.call(panesRoot.children, attach);
  new MutationObserver(function (changes) {
    changes.forEach(function (change) { Array.prototype.forEach.call(change.addedNodes, attach); });
  }).observe(panesRoot, { childList: true });
})();
