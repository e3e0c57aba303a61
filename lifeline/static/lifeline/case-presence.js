// The case page's presence line, kept fresh while the page is open (progressive enhancement:
// without script the line is the one the page was rendered with). Every 30 seconds it tells
// the server that this operator still has the case open, and whether he has a reply typed,
// and shows who else has. Staff only; nothing else is sent.
(function () {
  "use strict";
  var box = document.getElementById("presence");
  var work = document.getElementById("work");
  if (!box || !work || !window.fetch) { return; }
  var url = box.getAttribute("data-poll");
  var token = work.querySelector("input[name=csrfmiddlewaretoken]");
  function poll() {
    var reply = document.getElementById("id_body");
    var body = new URLSearchParams();
    body.set("csrfmiddlewaretoken", token ? token.value : "");
    body.set("replying", reply && reply.value.trim() ? "1" : "0");
    fetch(url, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").body;
        box.replaceChildren.apply(box, Array.prototype.slice.call(fresh.childNodes));
      })
      .catch(function () { /* the next poll tries again */ });
  }
  window.setInterval(poll, 30000);
})();
