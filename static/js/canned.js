// Saved replies in the peer console: a searchable picker under each reply box, and
// shortcuts: "/hi" followed by Space, Tab or Enter puts the reply's text in the box to be
// read and edited. Nothing is ever sent from here; the peer sends as usual.
(function () {
  "use strict";
  var W = window.Warmline;
  var panesRoot = document.getElementById("panes");
  if (!panesRoot) { return; }
  var replies = [];
  var TOKEN = /(^|\s)\/([a-z0-9][a-z0-9_-]*)$/i;

  function load() {
    return fetch("/api/v1/canned-responses", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (body) { if (body.ok) { replies = body.responses; } });
  }

  function byShortcut(name) {
    name = name.toLowerCase();
    for (var i = 0; i < replies.length; i++) {  // the peer's own come first and win
      if (replies[i].shortcut === name) { return replies[i]; }
    }
    return null;
  }

  // Puts `text` where `from`..caret was, and leaves the caret after it for editing.
  function insert(textarea, text, from) {
    var caret = textarea.selectionEnd;
    var start = from === undefined ? textarea.selectionStart : from;
    textarea.value = textarea.value.slice(0, start) + text + textarea.value.slice(caret);
    var at = start + text.length;
    textarea.focus();
    textarea.setSelectionRange(at, at);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function preview(body) { return body.length > 80 ? body.slice(0, 80) + "…" : body; }

  function picker(textarea, hint) {
    var panel = W.searchPanel("canned-picker", "Saved replies", "Search saved replies", "Search saved replies");
    var details = panel.details, search = panel.search, list = panel.list;

    function render() {
      var q = search.value.trim().toLowerCase();
      list.textContent = "";
      replies.filter(function (r) {
        return !q || r.title.toLowerCase().indexOf(q) !== -1 || (r.shortcut || "").indexOf(q.replace(/^\//, "")) === 0;
      }).forEach(function (r) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "secondary";
        var title = document.createElement("strong");
        title.textContent = r.title + (r.shortcut ? "  /" + r.shortcut : "") + (r.scope === "shared" ? " · shared" : "");
        var text = document.createElement("span");
        text.className = "canned-preview";
        text.textContent = preview(r.body);
        button.appendChild(title);
        button.appendChild(text);
        button.addEventListener("click", function () { insert(textarea, r.body); details.open = false; });
        li.appendChild(button);
        list.appendChild(li);
      });
      if (!list.children.length) {
        var none = document.createElement("li");
        none.className = "help";
        none.textContent = replies.length ? "No saved reply matches." : "No saved replies yet.";
        list.appendChild(none);
      }
    }
    search.addEventListener("input", render);
    details.addEventListener("toggle", function () { if (details.open) { load().then(render); search.focus(); } });

    // A known shortcut before the caret: Space, Tab or Enter expands it instead of typing
    // or sending (capture phase, so the console's Enter-to-send never sees that key).
    textarea.closest(".composer").addEventListener("keydown", function (event) {
      if (event.target !== textarea || [" ", "Tab", "Enter"].indexOf(event.key) === -1 || event.shiftKey) { return; }
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = TOKEN.exec(before);
      var reply = match && byShortcut(match[2]);
      if (!reply) { return; }
      event.preventDefault();
      event.stopPropagation();
      insert(textarea, reply.body, before.length - match[2].length - 1);
      hint.textContent = "Inserted “" + reply.title + "”: edit it, then send.";
    }, true);
    textarea.addEventListener("input", function () {
      var match = TOKEN.exec(textarea.value.slice(0, textarea.selectionStart));
      var reply = match && byShortcut(match[2]);
      hint.textContent = reply ? "Space or Tab inserts “" + reply.title + "” for editing." : "";
    });
    return details;
  }

  function attach(pane) {
    var textarea = pane.querySelector && pane.querySelector(".composer textarea");
    if (!textarea || textarea.getAttribute("data-canned")) { return; }
    textarea.setAttribute("data-canned", "1");
    var hint = document.createElement("p");
    hint.className = "help canned-hint";
    hint.setAttribute("aria-live", "polite");
    textarea.insertAdjacentElement("afterend", hint);
    pane.querySelector(".composer").insertAdjacentElement("afterend", picker(textarea, hint));
  }

  load();
  // An ended conversation has no reply box: its picker goes with it.
  if (W.console) {
    W.console.hub.on("pane:ended", function (id) {
      var picker = document.querySelector("#pane-" + id + " .canned-picker");
      if (picker) { picker.hidden = true; }
    });
  }
  W.eachPane(panesRoot, attach);
  W.cannedReplies = { reload: load };
})();
