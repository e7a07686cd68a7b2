// The editor's live check (templates/web/workspace/edition_edit.html, mailer/web/editor.py).
// While the coordinator types, the form goes to POST /editions/<month>/check, which runs the
// save's check and stores nothing; its answer holds the fields' notes exactly as the editor
// renders them, and this script swaps them in. An enhancement only: without it the same notes
// show after Save. It never moves the focus and never touches what was typed: it changes only
// the notes, the fields' aria-invalid/aria-describedby and the one polite status line.
"use strict";

(function () {
  // One check per pause in typing, not one per key.
  var PAUSE_MS = 600;

  var form = document.querySelector("form[data-check-url]");
  var status = document.getElementById("check-status");
  if (!form || !status || !window.fetch || !window.DOMParser || !window.URLSearchParams) {
    return;
  }
  var timer = null;
  var sent = 0; // the number of the latest check sent
  var shown = 0; // the number of the check whose answer the page shows
  var submitted = false;
  var inFlight = [];

  function countText(count) {
    // the catalogue's words, from the status line's data- attributes
    var key = count === 0 ? "none" : count === 1 ? "one" : "many";
    return (status.getAttribute("data-" + key) || "").replace("{n}", String(count));
  }

  function ids(container) {
    var found = [];
    if (container) {
      container.querySelectorAll("[id]").forEach(function (element) {
        found.push(element.id);
      });
    }
    return found;
  }

  function describe(control, oldIds, fresh) {
    // the hints stay first, as the server writes them; then this answer's notes
    var kept = (control.getAttribute("aria-describedby") || "")
      .split(/\s+/)
      .filter(function (id) {
        return id && oldIds.indexOf(id) < 0;
      });
    var all = kept.concat(ids(fresh));
    if (all.length) {
      control.setAttribute("aria-describedby", all.join(" "));
    } else {
      control.removeAttribute("aria-describedby");
    }
    if (fresh && fresh.hasAttribute("data-invalid")) {
      control.setAttribute("aria-invalid", "true");
    } else {
      control.removeAttribute("aria-invalid");
    }
  }

  function update(here, fresh) {
    if (fresh ? here.innerHTML === fresh.innerHTML : !here.firstElementChild) {
      return; // unchanged: leave a screen reader's place in the page alone
    }
    var oldIds = ids(here);
    var nodes = [];
    if (fresh) {
      fresh.childNodes.forEach(function (node) {
        nodes.push(document.importNode(node, true));
      });
    }
    here.replaceChildren.apply(here, nodes);
    var control = document.getElementById(here.getAttribute("data-field"));
    if (control && control.matches("input, textarea, select")) {
      describe(control, oldIds, fresh);
    }
  }

  function show(answer) {
    var result = answer.getElementById("check-result");
    if (!result) {
      return; // not the check's answer (a login page after the session ended)
    }
    form.querySelectorAll(".notes[data-field]").forEach(function (here) {
      update(here, answer.getElementById(here.id));
    });
    var text = countText(Number(result.getAttribute("data-count")));
    if (status.textContent !== text) {
      status.textContent = text;
    }
  }

  function check() {
    timer = null;
    if (submitted) {
      return;
    }
    sent += 1;
    var number = sent;
    var abort = new AbortController();
    inFlight.push(abort);
    fetch(form.getAttribute("data-check-url"), {
      method: "POST",
      // as the browser posts the form itself: urlencoded, csrf_token and base included
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
      redirect: "error",
      signal: abort.signal,
    })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        // an answer overtaken by a later one, or arriving after Save, is dropped
        if (html === null || submitted || number <= shown) {
          return;
        }
        shown = number;
        show(new DOMParser().parseFromString(html, "text/html"));
      })
      .catch(function () {
        // no answer (offline, aborted): the save still checks; nothing to show now
      })
      .finally(function () {
        inFlight.splice(inFlight.indexOf(abort), 1);
      });
  }

  form.addEventListener("input", function () {
    if (submitted) {
      return;
    }
    if (timer !== null) {
      clearTimeout(timer);
    }
    timer = setTimeout(check, PAUSE_MS);
  });

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      submitted = false; // back to the page from the browser's history: it checks again
    }
  });

  form.addEventListener("submit", function () {
    submitted = true;
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    inFlight.forEach(function (abort) {
      abort.abort();
    });
  });
})();
