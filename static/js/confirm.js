// A small confirm dialog (no inline script, no window.confirm): W.confirm(text, yesLabel)
// answers a Promise of true/false. Any form or submit button with data-confirm="..." asks
// before it submits.
(function () {
  "use strict";
  var W = window.Warmline = window.Warmline || {};

  W.confirm = function (text, yesLabel, noLabel) {
    return new Promise(function (resolve) {
      var dialog = document.createElement("dialog");
      dialog.className = "confirm-dialog";
      dialog.setAttribute("aria-labelledby", "confirm-text");
      var p = document.createElement("p");
      p.id = "confirm-text";
      p.textContent = text;
      var row = document.createElement("div");
      row.className = "row-buttons";
      var yes = document.createElement("button");
      yes.type = "button";
      yes.textContent = yesLabel || "Yes";
      var no = document.createElement("button");
      no.type = "button";
      no.className = "secondary";
      no.textContent = noLabel || "Go back";
      row.appendChild(yes);
      row.appendChild(no);
      dialog.appendChild(p);
      dialog.appendChild(row);
      document.body.appendChild(dialog);
      var answered = false;
      function done(value) {
        if (answered) { return; }
        answered = true;
        if (dialog.open) { dialog.close(); }
        dialog.remove();
        resolve(value);
      }
      yes.addEventListener("click", function () { done(true); });
      no.addEventListener("click", function () { done(false); });
      dialog.addEventListener("cancel", function () { done(false); });  // Escape
      dialog.addEventListener("close", function () { done(false); });
      dialog.showModal();
      no.focus();  // the safe choice is the default
    });
  };

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var text = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (!text || form.hasAttribute("data-confirmed")) { return; }
    event.preventDefault();
    event.stopPropagation();  // the form's own handler runs once, after the yes
    var label = (submitter && submitter.getAttribute("data-confirm-yes")) || form.getAttribute("data-confirm-yes");
    W.confirm(text, label, form.getAttribute("data-confirm-no")).then(function (yes) {
      if (!yes) { return; }
      form.setAttribute("data-confirmed", "");
      if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
      form.removeAttribute("data-confirmed");
    });
  }, true);
})();
