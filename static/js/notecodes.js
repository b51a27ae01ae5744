// The contact note's coded topics and referrals and distress ratings, as API fields.
(function () {
  "use strict";
  var W = window.Warmline = window.Warmline || {};
  function checked(form, name) {
    return Array.prototype.filter.call(form.querySelectorAll("input[name='" + name + "']"), function (box) { return box.checked; })
      .map(function (box) { return Number(box.value); });
  }
  function rating(form, name) {
    var select = form.querySelector("select[name='" + name + "']");
    return select && select.value !== "" ? Number(select.value) : null;
  }
  W.noteExtras = function (form) {
    var extras = { topic_ids: checked(form, "topic_ids"), referral_ids: checked(form, "referral_ids") };
    var start = rating(form, "distress_start"), end = rating(form, "distress_end");
    if (start !== null) { extras.distress_start = start; }
    if (end !== null) { extras.distress_end = end; }
    return extras;
  };
}());
