// Shared by the member chat and the peer console: the socket, acks with a timeout,
// message rendering (escaped text, line breaks kept), and an outbox that keeps unsent
// messages (with their client_id) until the server confirms it stored them.
(function () {
  "use strict";
  var W = window.Warmline = window.Warmline || {};
  var ACK_TIMEOUT = 10000;

  W.connect = function () {
    return window.io("/chat", { auth: { csrf_token: W.csrfToken() } });
  };

  W.call = function (socket, event, data) {
    return new Promise(function (resolve) {
      if (!socket.connected) {
        resolve({ ok: false, error: { code: "offline", message: W.t("offline", "Not connected; we will retry when the connection is back.") } });
        return;
      }
      socket.timeout(ACK_TIMEOUT).emit(event, data || {}, function (err, ack) {
        if (err) {
          resolve({ ok: false, error: { code: "timeout", message: W.t("timeout", "No answer from the server; we will retry.") } });
        } else {
          resolve(ack);
        }
      });
    });
  };

  W.clientId = function () {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  };

  // Unsent messages survive a reload in sessionStorage (cleared by the quick exit).
  W.Outbox = function (conversationId) {
    this.key = "warmline.outbox." + conversationId;
  };
  W.Outbox.prototype.all = function () {
    try { return JSON.parse(window.sessionStorage.getItem(this.key) || "[]"); } catch (e) { return []; }
  };
  W.Outbox.prototype.save = function (items) {
    try { window.sessionStorage.setItem(this.key, JSON.stringify(items)); } catch (e) { /* storage full or off */ }
  };
  W.Outbox.prototype.add = function (item) { var items = this.all(); items.push(item); this.save(items); };
  W.Outbox.prototype.remove = function (clientId) {
    this.save(this.all().filter(function (i) { return i.client_id !== clientId; }));
  };

  function timeOf(iso) {
    if (W.time) { return W.time.clock(iso); }  // the organisation's zone
    var d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  // Adds or replaces one message in an <ol>, kept in seq order; pending ones go last.
  W.renderMessage = function (list, message, mine) {
    var selector = message.seq ? '[data-seq="' + message.seq + '"]' : null;
    if (selector && list.querySelector(selector)) { return; }
    var pending = list.querySelector('[data-client-id="' + message.client_id + '"].pending');
    var item = pending || document.createElement("li");
    // `mine` is decided by the caller from who sent it (after a hand-over another peer's
    // lines are theirs, not "You"); Warmline's own notices stand apart.
    var kind = message.sender_role === "system" ? "system" : (mine ? "mine" : "theirs");
    item.className = "message " + kind + (message.seq ? "" : " pending");
    item.setAttribute("data-client-id", message.client_id);
    // The list is a role="log" (new lines are announced), so its items are not list items.
    item.setAttribute("role", "article");
    item.textContent = "";
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = (mine ? W.t("you", "You") : message.sender_handle) + " · " + (message.sent_at ? timeOf(message.sent_at) : W.t("sending", "sending…"));
    item.appendChild(who);
    item.appendChild(message.resource ? W.resourceCard(message.resource, message.body) : W.textBody(message.body));
    if (message.sender_role === "system") { item.classList.add("notice-line"); }
    if (message.seq) {
      item.setAttribute("data-seq", String(message.seq));
      var after = null;
      Array.prototype.forEach.call(list.querySelectorAll("[data-seq]"), function (el) {
        if (el !== item && Number(el.getAttribute("data-seq")) > message.seq && !after) { after = el; }
      });
      if (after) { list.insertBefore(item, after); } else {
        var firstPending = list.querySelector(".pending");
        if (firstPending && firstPending !== item) { list.insertBefore(item, firstPending); } else if (!pending) { list.appendChild(item); }
      }
    } else if (!pending) {
      list.appendChild(item);
    }
    item.scrollIntoView({ block: "nearest" });
  };

  W.textBody = function (text) {
    var body = document.createElement("p");
    body.className = "body";
    body.textContent = text;
    return body;
  };

  // A shared directory entry as a card, from the page's template (its labels are translated
  // there); the stored text stands in on a page without the template.
  W.resourceCard = function (resource, fallback) {
    var template = document.getElementById("resource-card-template");
    if (!template) { return W.textBody(fallback); }
    var card = template.content.firstElementChild.cloneNode(true);
    card.querySelector(".resource-name").textContent = resource.name;
    card.setAttribute("aria-label", resource.name);
    ["phone", "text", "url", "hours", "area", "languages"].forEach(function (field) {
      var value = resource[field] || "";
      var dd = card.querySelector('dd[data-field="' + field + '"]');
      if (!value) {
        card.querySelectorAll('[data-field="' + field + '"]').forEach(function (el) { el.remove(); });
        return;
      }
      var link = null;
      if (field === "phone") { link = "tel:" + value.replace(/[^0-9+]/g, ""); }
      if (field === "url" && /^https?:\/\//i.test(value)) { link = value; }
      if (link) {
        var a = document.createElement("a");
        a.href = link;
        a.textContent = value;
        if (field === "url") { a.rel = "noopener noreferrer"; a.target = "_blank"; }
        dd.appendChild(a);
      } else {
        dd.textContent = value;
      }
    });
    return card;
  };

  // The console's add-ons (canned.js, peertools.js): a folding panel with a search box and
  // a list, and a hook run for every conversation pane, present or added later.
  W.searchPanel = function (className, title, placeholder, label) {
    var details = document.createElement("details");
    details.className = className;
    var summary = document.createElement("summary");
    summary.textContent = title;
    var search = document.createElement("input");
    search.type = "search";
    search.placeholder = placeholder;
    search.setAttribute("aria-label", label);
    var list = document.createElement("ul");
    [summary, search, list].forEach(function (el) { details.appendChild(el); });
    return { details: details, search: search, list: list };
  };

  W.eachPane = function (root, attach) {
    Array.prototype.forEach.call(root.children, attach);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) { Array.prototype.forEach.call(change.addedNodes, attach); });
    }).observe(root, { childList: true });
  };

  W.lastSeq = function (list) {
    var max = 0;
    Array.prototype.forEach.call(list.querySelectorAll("[data-seq]"), function (el) {
      max = Math.max(max, Number(el.getAttribute("data-seq")));
    });
    return max;
  };

  // Sends one message through the outbox: stored on the server before it is shown as sent.
  W.send = function (socket, outbox, list, conversationId, body, clientId) {
    var item = { conversation_id: conversationId, client_id: clientId || W.clientId(), body: body };
    if (!clientId) { outbox.add(item); }
    W.renderMessage(list, item, true);
    return W.call(socket, "message:send", item).then(function (ack) {
      if (ack.ok) {
        outbox.remove(item.client_id);
        W.renderMessage(list, ack.message, true);
      } else if (["offline", "timeout", "rate_limited", "unavailable", "server_error"].indexOf(ack.error.code) === -1) {
        outbox.remove(item.client_id);  // refused for good: give the text back to the writer
        var stale = list.querySelector('[data-client-id="' + item.client_id + '"].pending');
        if (stale) { stale.remove(); }
      }
      return ack;
    });
  };

  W.flush = function (socket, outbox, list) {
    outbox.all().forEach(function (item) {
      W.send(socket, outbox, list, item.conversation_id, item.body, item.client_id);
    });
  };

  // Typing: tell the other side at most every 3 s, and stop after 4 s of quiet.
  W.typingNotifier = function (socket, conversationId) {
    var last = 0, timer = null;
    return function () {
      var now = Date.now();
      if (now - last > 3000) { last = now; socket.emit("typing", { conversation_id: conversationId(), typing: true }, function () {}); }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        last = 0;
        socket.emit("typing", { conversation_id: conversationId(), typing: false }, function () {});
      }, 4000);
    };
  };

  W.showConnection = function (socket, element) {
    socket.on("connect", function () { element.textContent = W.t("connected", "Connected."); element.className = "connection ok"; });
    socket.on("disconnect", function (reason) {
      // The server closes a socket only when its sign-in ended (signed out, disabled, a role or
      // password change); the client does not retry then.
      element.textContent = reason === "io server disconnect"
        ? W.t("signed_out", "You were signed out. Sign in again to go on.")
        : W.t("connection_lost", "Connection lost. Reconnecting…");
      element.className = "connection lost";
    });
    socket.on("connect_error", function (err) {
      var message = err && err.data && err.data.error ? err.data.error.message : W.t("connect_retry", "Could not connect. Retrying…");
      element.textContent = message;
      element.className = "connection lost";
    });
  };
})();
