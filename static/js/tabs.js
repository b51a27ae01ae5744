// The WAI-ARIA tabs pattern (automatic activation): one tab in the Tab order (roving
// tabindex), Left/Right arrows move and select, Home/End go to the first/last, Delete closes
// a closable tab. W.Tabs(tablist, {onSelect(id), onClose(id)}).
(function () {
  "use strict";
  var W = window.Warmline = window.Warmline || {};

  W.Tabs = function (tablist, options) {
    this.list = tablist;
    this.options = options || {};
    this.selected = null;
    var self = this;
    tablist.addEventListener("keydown", function (event) { self.key(event); });
  };

  W.Tabs.prototype.tabs = function () {
    return Array.prototype.slice.call(this.list.querySelectorAll('[role="tab"]'));
  };

  W.Tabs.prototype.add = function (id, label, panel) {
    var tab = document.createElement("button");
    tab.type = "button";
    tab.setAttribute("role", "tab");
    tab.id = "tab-" + id;
    tab.setAttribute("data-id", String(id));
    tab.setAttribute("aria-controls", panel.id);
    tab.setAttribute("aria-selected", "false");
    tab.tabIndex = -1;
    var name = document.createElement("span");
    name.className = "tab-name";
    name.textContent = label;
    var badge = document.createElement("span");
    badge.className = "unread";
    badge.hidden = true;
    tab.appendChild(name);
    tab.appendChild(badge);
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", tab.id);
    var self = this;
    tab.addEventListener("click", function () { self.select(id); });
    this.list.appendChild(tab);
    return tab;
  };

  W.Tabs.prototype.tab = function (id) { return document.getElementById("tab-" + id); };

  W.Tabs.prototype.select = function (id, focus) {
    this.selected = id;
    this.tabs().forEach(function (tab) {
      var on = tab.getAttribute("data-id") === String(id);
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      var panel = document.getElementById(tab.getAttribute("aria-controls"));
      if (panel) { panel.hidden = !on; }
      if (on && focus) { tab.focus(); }
    });
    if (this.options.onSelect) { this.options.onSelect(id); }
  };

  W.Tabs.prototype.remove = function (id) {
    var tab = this.tab(id);
    if (!tab) { return; }
    var tabs = this.tabs();
    var index = tabs.indexOf(tab);
    tab.remove();
    var rest = this.tabs();
    if (String(this.selected) === String(id)) {
      this.selected = null;
      var next = rest[Math.min(index, rest.length - 1)];
      if (next) { this.select(Number(next.getAttribute("data-id")), true); }
    }
  };

  W.Tabs.prototype.key = function (event) {
    var tabs = this.tabs();
    var index = tabs.indexOf(document.activeElement);
    if (index === -1) { return; }
    var target = null;
    if (event.key === "ArrowRight") { target = tabs[(index + 1) % tabs.length]; }
    else if (event.key === "ArrowLeft") { target = tabs[(index - 1 + tabs.length) % tabs.length]; }
    else if (event.key === "Home") { target = tabs[0]; }
    else if (event.key === "End") { target = tabs[tabs.length - 1]; }
    else if (event.key === "Delete" && this.options.onClose) {
      event.preventDefault();
      this.options.onClose(Number(tabs[index].getAttribute("data-id")));
      return;
    } else { return; }
    event.preventDefault();
    this.select(Number(target.getAttribute("data-id")), true);
  };
})();
