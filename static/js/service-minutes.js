// The contact note's service minutes: prefilled with the whole minutes from the answer to
// the end (the default the server uses too), for every answered conversation alike.
(function () {
  "use strict";
  function field(form) { return form.querySelector("input[name=service_minutes]"); }
  window.WarmlineServiceMinutes = {
    // Remember when the conversation was answered (from its JSON).
    remember: function (form, conversation) {
      field(form).dataset.answeredAt = conversation.answered_at || conversation.assigned_at || "";
    },
    // At the end: whole minutes since the answer, rounded down, unless the peer typed some.
    prefill: function (form) {
      var input = field(form);
      var answered = Date.parse(input.dataset.answeredAt || "");
      if (input.value === "" && !isNaN(answered)) {
        input.value = String(Math.max(0, Math.floor((Date.now() - answered) / 60000)));
      }
    },
    // The value to send: a whole number, or null for the server's default.
    value: function (form) {
      var raw = field(form).value.trim();
      return /^\d+$/.test(raw) ? Number(raw) : null;
    }
  };
}());
