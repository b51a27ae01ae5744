// Times for people: in the organisation's zone (meta warmline-timezone), in words, matching
// the server's `local` filter. The wire stays ISO 8601 in UTC.
(function () {
  "use strict";
  var W = window.Warmline = window.Warmline || {};
  var meta = document.querySelector('meta[name="warmline-timezone"]');
  var zone = meta ? meta.getAttribute("content") : undefined;

  function format(date, options) {
    try { return new Intl.DateTimeFormat("en-US", Object.assign({ timeZone: zone }, options)).format(date); }
    catch (e) { return new Intl.DateTimeFormat("en-US", options).format(date); }  // unknown zone: the browser's
  }

  function dayKey(date) { return format(date, { year: "numeric", month: "2-digit", day: "2-digit" }); }

  W.time = {
    zone: zone,
    clock: function (iso) {
      var d = new Date(iso);
      return isNaN(d) ? "" : format(d, { hour: "numeric", minute: "2-digit" });
    },
    // "today at 9:05 PM", "yesterday at 11:40 AM", "Mon, Dec 7 at 9:05 PM"
    words: function (iso) {
      var d = new Date(iso);
      if (isNaN(d)) { return ""; }
      var now = new Date();
      var clock = W.time.clock(iso);
      if (dayKey(d) === dayKey(now)) { return "today at " + clock; }
      if (dayKey(d) === dayKey(new Date(now.getTime() - 86400000))) { return "yesterday at " + clock; }
      return format(d, { weekday: "short", month: "short", day: "numeric" }) + " at " + clock;
    },
    // "just now", "4 min", "1 h 5 min"
    since: function (iso) {
      var minutes = Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / 60000));
      if (minutes === 0) { return "just now"; }
      return minutes < 60 ? minutes + " min" : Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
    }
  };
})();
