// The console's queue panel: who is waiting (risk, wait, whether they are connected now),
// the "waiting" count in the tab title, and an alert when someone new starts waiting.
(function () {
  "use strict";
  var W = window.Warmline;
  var C = W.console;
  if (!C) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var seen = null;  // conversation ids already announced (null until the first list)
  var LANGUAGE_NAMES = { en: "English", es: "Spanish (español)" };

  function describe(item) {
    var parts = [item.topic || "(no topic)", "waiting " + W.time.since(item.waiting_since)];
    if (item.risk !== "none") { parts.push("risk: " + item.risk); }
    if (item.returned) { parts.push("returned"); }
    if (item.language && item.language !== "en") { parts.push(LANGUAGE_NAMES[item.language] || item.language); }
    if (item.stepped_away) { parts.push("stepped away " + W.time.since(item.stepped_away_since) + " ago"); }
    else if (item.connected === false) { parts.push("connection lost just now"); }
    return parts.join(" · ");
  }

  function render(items) {
    var list = $("queue");
    list.textContent = "";
    $("queue-count").textContent = String(items.length);
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "queue-item risk-" + item.risk + (item.stepped_away ? " stepped-away" : "");
      var text = document.createElement("span");
      text.textContent = describe(item);
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = "Accept";
      button.setAttribute("aria-label", "Accept: " + (item.topic || "no topic"));
      button.addEventListener("click", function () { C.accept(item.conversation_id); });
      li.appendChild(text);
      li.appendChild(button);
      list.appendChild(li);
    });
    W.attention.count("waiting", items.length, "waiting");
    var fresh = items.filter(function (item) { return seen && !seen[item.conversation_id]; });
    seen = seen || {};
    items.forEach(function (item) { seen[item.conversation_id] = true; });
    if (fresh.length) {
      var risky = fresh.filter(function (i) { return i.risk === "high" || i.risk === "imminent"; })[0];
      W.attention.alert(risky ? "A member at " + risky.risk + " risk is waiting" : "A member is waiting",
        "Open the console to answer.", "queue");  // no member words: it may show on a shared screen
    }
  }

  C.hub.on("queue", render);
})();
