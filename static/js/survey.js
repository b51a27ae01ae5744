// The member's survey after a chat ends: shown when chat.js says a conversation a peer
// answered has ended, sent to the API, skippable. Without JS the form posts as a page.
(function () {
  "use strict";
  var W = window.Warmline;
  var form = document.getElementById("survey");
  if (!form) { return; }
  var thanks = document.getElementById("survey-thanks");
  var error = document.getElementById("survey-error");
  var conversationId = null;

  document.addEventListener("warmline:chat-ended", function (event) {
    if (!event.detail.answered) { return; }
    conversationId = event.detail.conversation_id;
    form.action = form.getAttribute("data-action-template").replace("/0/", "/" + conversationId + "/");
    form.reset();
    thanks.hidden = true;
    form.hidden = false;
  });

  var skip = document.getElementById("survey-skip");
  if (skip) { skip.addEventListener("click", function () { form.hidden = true; }); }

  form.addEventListener("submit", function (event) {
    if (!conversationId) { return; }  // a past conversation's page: the plain form post
    event.preventDefault();
    var data = new FormData(form);
    var body = { helped: data.get("helped"), felt_heard: data.get("felt_heard") === "true" };
    if (data.get("would_otherwise")) { body.would_otherwise = data.get("would_otherwise"); }
    if (data.get("comment")) { body.comment = data.get("comment"); }
    fetch("/api/v1/conversations/" + conversationId + "/survey", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": W.csrfToken() },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); }).then(function (answer) {
      if (!answer.ok && answer.error.code !== "already_answered") { error.textContent = answer.error.message; return; }
      form.hidden = true;
      thanks.hidden = false;
    });
  });
}());
