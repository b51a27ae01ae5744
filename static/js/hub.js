// A tiny event hub: the console's modules (and the peer tools' panels) talk through it
// instead of reaching into each other. hub.on("pane:open", fn); hub.emit("pane:open", data).
(function () {
  "use strict";
  var W = window.Warmline = window.Warmline || {};
  W.hub = function () {
    var handlers = {};
    return {
      on: function (name, fn) { (handlers[name] = handlers[name] || []).push(fn); },
      emit: function (name, data) {
        (handlers[name] || []).forEach(function (fn) {
          try { fn(data); } catch (e) { window.setTimeout(function () { throw e; }); }  // one plug-in cannot stop the others
        });
      }
    };
  };
})();
