// The console queue keeps itself fresh: every few seconds it fetches its own rows
// (?fragment=rows) and puts them in place, and names the cases that were not there before
// in a live region. Without script the page is the same, with its "Refresh" link.
// It never moves the user's "last looked" mark: only a full view of the page does
// (docs/decisions/0014).
(function () {
  "use strict";
  var rows = document.getElementById("queue-rows");
  var announce = document.getElementById("queue-announce");
  if (!rows || !announce || !window.fetch || !window.DOMParser) {
    return;
  }
  var url = rows.getAttribute("data-refresh");
  var seconds = parseInt(rows.getAttribute("data-seconds"), 10) || 20;
  var last = null; // the rows as last fetched
  var timer = null;
  var busy = false;
  var stopped = false;

  function shown() {
    var ids = {};
    rows.querySelectorAll("tr[data-case]").forEach(function (row) {
      ids[row.getAttribute("data-case")] = true;
    });
    return ids;
  }

  function stop() {
    stopped = true;
    announce.textContent = announce.getAttribute("data-stopped");
  }

  function opened() {
    var news = document.getElementById("queue-news");
    return news ? parseInt(news.getAttribute("data-opened"), 10) : 0;
  }

  function replace(html) {
    var before = shown();
    var openedBefore = opened();
    // Keep the keyboard where it was: the same link, if it is still on the page.
    var focused = rows.contains(document.activeElement)
      ? document.activeElement.getAttribute("href")
      : null;
    var fresh = new DOMParser().parseFromString(html, "text/html").body;
    rows.replaceChildren.apply(rows, Array.prototype.slice.call(fresh.childNodes));
    last = html;
    if (focused) {
      var link = rows.querySelector('a[href="' + CSS.escape(focused) + '"]');
      if (link) {
        link.focus();
      }
    }
    var added = [];
    // New cases, not rows that a case above pushed down from the previous page.
    rows.querySelectorAll('tr[data-fresh="new"]').forEach(function (row) {
      if (!before[row.getAttribute("data-case")]) {
        added.push(row.getAttribute("data-label"));
      }
    });
    if (added.length) {
      announce.textContent = announce.getAttribute("data-new") + " " + added.join(", ");
    } else if (opened() > openedBefore) {
      // New cases, but on another page of the queue: say how many.
      announce.textContent = document.getElementById("queue-news").textContent.trim();
    }
  }

  function poll() {
    timer = null;
    if (busy || stopped) {
      return;
    }
    busy = true;
    fetch(url, { credentials: "same-origin", cache: "no-store", redirect: "manual" })
      .then(function (response) {
        if (response.status === 503) {
          throw new Error("the database is away for a moment");
        }
        // A login page or an error instead of the rows: the session ended, or worse.
        if (!response.ok || response.headers.get("X-Lifeline-Fragment") !== "queue-rows") {
          stop();
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        busy = false;
        if (html !== null && html !== last) {
          replace(html);
        }
        schedule();
      })
      .catch(function () {
        busy = false;
        schedule(); // the network comes and goes: try again at the next turn
      });
  }

  function schedule() {
    if (timer === null && !busy && !stopped && !document.hidden) {
      timer = window.setTimeout(poll, seconds * 1000);
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      window.clearTimeout(timer);
      timer = null;
    } else if (timer === null) {
      poll(); // back to the tab: catch up at once
    }
  });
  schedule();
})();
